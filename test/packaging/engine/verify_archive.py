"""Checks an injected artifact against its original with Python's tarfile (the library SageMaker's SDK uses).

usage: verify_archive.py ORIGINAL OUTPUT CODE_JSON [--replace-code]
CODE_JSON maps code paths (relative to code/) to {"hex": ..., "mode": ...}.
Prints one JSON object: {"ok": bool, "errors": [...], "members": n, "tarSize": n}.
"""
import gzip, json, os, sys, tarfile, tempfile, zlib

orig_path, out_path, code_json = sys.argv[1:4]
replace_code = '--replace-code' in sys.argv
code = json.load(open(code_json))
errors = []

def norm(name):
    while name.startswith('./'):
        name = name[2:]
    return name.rstrip('/')

def is_code(name):
    return name == 'code' or name.startswith('code/')

def read_members(path):
    members = []
    with tarfile.open(path, 'r:*') as t:
        for m in t.getmembers():
            data = t.extractfile(m).read() if m.isfile() else None
            members.append((norm(m.name), m.type, data, m))
    return members

orig = read_members(orig_path)
out = read_members(out_path)
expected = [(n, ty, d) for n, ty, d, _ in orig if not (replace_code and is_code(n)) and n != '']
got_old = [(n, ty, d) for n, ty, d, m in out if not (is_code(n) and m.mtime == 946684800 and m.uid == 0) and n != '']
if expected != got_old:
    errors.append('original members differ: expected %d, got %d' % (len(expected), len(got_old)))
new = [(n, m) for n, ty, d, m in out if is_code(n) and m.mtime == 946684800 and m.uid == 0 and m.gid == 0]
names = [n for n, _ in new]
if names != sorted(names):
    errors.append('code entries are not sorted: %s' % names)
files = {n[len('code/'):]: (m, d) for n, ty, d, m in out if is_code(n) and m.isfile() and m.mtime == 946684800}
for rel, spec in code.items():
    if rel not in files:
        errors.append('missing code/%s' % rel)
        continue
    m, d = files[rel]
    if d != bytes.fromhex(spec['hex']):
        errors.append('code/%s has different bytes' % rel)
    if m.mode != spec['mode']:
        errors.append('code/%s has mode %o, expected %o' % (rel, m.mode, spec['mode']))
for n, m in new:
    if m.isdir() and m.mode != 0o755:
        errors.append('%s has mode %o' % (n, m.mode))

# Extract everything for real and compare with the member bytes.
with tempfile.TemporaryDirectory() as tmp:
    with tarfile.open(out_path, 'r:*') as t:
        t.extractall(tmp, filter='data') if hasattr(tarfile, 'data_filter') else t.extractall(tmp)
    last = {}
    for n, ty, d, m in out:
        last[n] = d  # on extraction, a later member of the same name wins
    for n, d in last.items():
        if d is not None and open(os.path.join(tmp, n), 'rb').read() != d:
            errors.append('extracted %s differs' % n)
    for rel, spec in code.items():
        p = os.path.join(tmp, 'code', rel)
        if not os.path.isfile(p) or open(p, 'rb').read() != bytes.fromhex(spec['hex']):
            errors.append('extracted code/%s differs' % rel)

raw = open(out_path, 'rb').read()
tar_size = None
if raw[:2] == b'\x1f\x8b':
    content = gzip.decompress(raw)  # multi-member aware; checks every CRC and ISIZE
    tar_size = len(content)
    crc, isize = int.from_bytes(raw[-8:-4], 'little'), int.from_bytes(raw[-4:], 'little')
    # For a single-member output the trailer covers everything (gzip.decompress checked each member anyway).
    try:
        d = zlib.decompressobj(31)
        first = d.decompress(raw)
        if not d.unused_data and zlib.crc32(first) != crc:
            errors.append('trailer CRC mismatch')
        if not d.unused_data and isize != tar_size % 2**32:
            errors.append('trailer ISIZE %d != %d' % (isize, tar_size % 2**32))
    except zlib.error as e:
        errors.append('zlib: %s' % e)
print(json.dumps({'ok': not errors, 'errors': errors, 'members': len(out), 'tarSize': tar_size}))
