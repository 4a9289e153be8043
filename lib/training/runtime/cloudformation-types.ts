import { CompactShape } from './api-shape';

/**
 * Converts custom resource properties, which CloudFormation delivers with every scalar as a string, back to the
 * types of the API shape (integers, floats, booleans), and rejects members the shape does not have.
 * Driven by the API model, so a newly used field needs no hand-written conversion.
 */
export function fromCloudFormation(value: unknown, shape: CompactShape, where: string): unknown {
  if (Array.isArray(shape)) {
    const [kind, inner] = shape as [string, unknown];
    if (kind === 'S') {
      const members = inner as { [name: string]: CompactShape };
      if (!isObject(value)) throw new Error(`${where} must be an object (got ${describe(value)}).`);
      const out: { [key: string]: unknown } = {};
      for (const [key, member] of Object.entries(value)) {
        if (!(key in members)) {
          throw new Error(`${where}.${key} is not a field of the SageMaker API (known: ${Object.keys(members).join(', ')}).`);
        }
        out[key] = fromCloudFormation(member, members[key], `${where}.${key}`);
      }
      return out;
    }
    if (kind === 'L') {
      if (!Array.isArray(value)) throw new Error(`${where} must be a list (got ${describe(value)}).`);
      return value.map((item, i) => fromCloudFormation(item, inner as CompactShape, `${where}[${i}]`));
    }
    if (kind === 'M') {
      if (!isObject(value)) throw new Error(`${where} must be a map (got ${describe(value)}).`);
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fromCloudFormation(v, inner as CompactShape, `${where}.${k}`)]));
    }
    throw new Error(`unknown shape kind ${kind} at ${where}`);
  }
  switch (shape) {
    case 'i': {
      const text = String(value);
      if (typeof value === 'boolean' || !/^-?\d+$/.test(text.trim())) throw new Error(`${where} must be a whole number (got ${describe(value)}).`);
      return Number(text);
    }
    case 'f': {
      const n = typeof value === 'number' ? value : Number(String(value).trim());
      if (typeof value === 'boolean' || String(value).trim() === '' || !Number.isFinite(n)) throw new Error(`${where} must be a number (got ${describe(value)}).`);
      return n;
    }
    case 'b': {
      if (value === true || value === 'true') return true;
      if (value === false || value === 'false') return false;
      throw new Error(`${where} must be true or false (got ${describe(value)}).`);
    }
    default:
      if (typeof value === 'string') return value;
      if (typeof value === 'number' || typeof value === 'boolean') return String(value);
      throw new Error(`${where} must be a string (got ${describe(value)}).`);
  }
}

function isObject(value: unknown): value is { [key: string]: unknown } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  return JSON.stringify(value)?.slice(0, 60) ?? String(value);
}
