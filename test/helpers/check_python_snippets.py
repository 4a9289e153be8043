"""Checks Python snippets against the generated cdk_pytorch_sagemaker module without importing it.

Importing the module needs the `jsii`, `aws-cdk-lib` and `constructs` Python packages, which come from PyPI, out of
reach here. So this reads the module's source with `ast` (the same file the wheel installs) and checks every use of
the library in each snippet: names imported from cdk_pytorch_sagemaker are in `__all__` and defined as classes;
`Class.member` exists (static factories, constants, enum members); keyword arguments of a constructor, a factory or
a method are parameters of it; `variable.member` and `variable.member.member` are checked too when the variable was
assigned from a constructor or factory of the module (types followed through return annotations).

    python3 check_python_snippets.py MODULE_INIT_PY < snippets.json      # a JSON list of Python sources

prints {"exported": [...], "checked": N, "problems": ["snippet 2, line 5: ...", ...]}.
"""
import ast
import json
import sys

MODULE = "cdk_pytorch_sagemaker"


def load_module(path):
    tree = ast.parse(open(path, encoding="utf8").read())
    exported = []
    classes = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
            exported = [elt.value for elt in node.value.elts]
        elif isinstance(node, ast.ClassDef):
            classes[node.name] = node
    return exported, classes


def annotation_class(node):
    """The class a return annotation names, when it is a plain name of this module ("RealtimeEndpoint")."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.isidentifier():
        return node.value
    if isinstance(node, ast.Name):
        return node.id
    return None


class Module:
    def __init__(self, path):
        self.exported, self.classes = load_module(path)

    def bases(self, name):
        """The class and its bases defined in this module, nearest first."""
        seen = []
        queue = [name]
        while queue:
            current = queue.pop(0)
            if current in seen or current not in self.classes:
                continue
            seen.append(current)
            for base in self.classes[current].bases:
                if isinstance(base, ast.Name):
                    queue.append(base.id)
        return seen

    def member(self, class_name, attr):
        """The FunctionDef or Assign that defines class_name.attr, searching its bases in this module."""
        for name in self.bases(class_name):
            for node in self.classes[name].body:
                if isinstance(node, ast.FunctionDef) and node.name == attr:
                    return node
                if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == attr for t in node.targets):
                    return node
        return None

    def parameters(self, function):
        args = function.args
        return {a.arg for a in args.args + args.kwonlyargs + args.posonlyargs} - {"self", "cls"}

    def member_type(self, class_name, attr):
        """The class a member returns (a property's or a factory's return annotation), if it is one of this module's."""
        node = self.member(class_name, attr)
        if isinstance(node, ast.FunctionDef) and node.returns is not None:
            returned = annotation_class(node.returns)
            return returned if returned in self.classes else None
        if isinstance(node, ast.Assign):  # an enum member
            return class_name
        return None


def check_snippet(module, index, source):
    problems = []
    checked = 0
    tree = ast.parse(source)
    imported = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == MODULE:
            for alias in node.names:
                imported[alias.asname or alias.name] = alias.name
                checked += 1
                if alias.name not in module.exported or alias.name not in module.classes:
                    problems.append(f"snippet {index}, line {node.lineno}: {alias.name} is not exported by {MODULE}")
    variables = {}

    def type_of(expr):
        """The module class an expression evaluates to, when it can be told."""
        if isinstance(expr, ast.Name):
            return variables.get(expr.id)
        if isinstance(expr, ast.Call):
            func = expr.func
            if isinstance(func, ast.Name) and func.id in imported:
                return imported[func.id]
            if isinstance(func, ast.Attribute):
                owner = class_of(func.value)
                return module.member_type(owner, func.attr) if owner else None
        if isinstance(expr, ast.Attribute):
            owner = class_of(expr.value)
            return module.member_type(owner, expr.attr) if owner else None
        return None

    def class_of(expr):
        """The class whose members `expr.member` reads: an imported class itself, or the type of a value."""
        if isinstance(expr, ast.Name) and expr.id in imported:
            return imported[expr.id]
        return type_of(expr)

    def check_call(node, function, what):
        nonlocal checked
        if not isinstance(function, ast.FunctionDef):
            return
        params = module.parameters(function)
        for keyword in node.keywords:
            if keyword.arg is None:
                continue
            checked += 1
            if keyword.arg not in params:
                problems.append(f"snippet {index}, line {node.lineno}: {what} has no parameter {keyword.arg}")

    # Statements in order, so that a variable's type is known where it is used.
    for statement in tree.body:
        for node in ast.walk(statement):
            if isinstance(node, ast.Attribute):
                owner = class_of(node.value)
                if owner is not None:
                    checked += 1
                    if module.member(owner, node.attr) is None:
                        problems.append(f"snippet {index}, line {node.lineno}: {owner} has no member {node.attr}")
            if isinstance(node, ast.Call):
                func = node.func
                if isinstance(func, ast.Name) and func.id in imported:
                    check_call(node, module.member(imported[func.id], "__init__"), imported[func.id])
                elif isinstance(func, ast.Attribute):
                    owner = class_of(func.value)
                    if owner is not None:
                        check_call(node, module.member(owner, func.attr), f"{owner}.{func.attr}")
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1 and isinstance(statement.targets[0], ast.Name):
            value_type = type_of(statement.value)
            if value_type is not None:
                variables[statement.targets[0].id] = value_type
    return problems, checked


def main():
    module = Module(sys.argv[1])
    snippets = json.load(sys.stdin)
    problems = []
    checked = 0
    for index, source in enumerate(snippets, start=1):
        found, count = check_snippet(module, index, source)
        problems += found
        checked += count
    print(json.dumps({"exported": module.exported, "checked": checked, "problems": problems}))


if __name__ == "__main__":
    main()
