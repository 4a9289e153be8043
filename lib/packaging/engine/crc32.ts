/**
 * CRC-32 arithmetic in GF(2), the way zlib's crc32.c does it (reflected polynomials: bit 31 is x^0).
 *
 * A gzip trailer holds crc32(content). To cut the content at E and append new bytes without reading the content
 * again, we "uncombine": crc(A || B) = crc(A) * x^(8|B|) + crc(B), so crc(A) = (crc(A||B) ^ crc(B)) * x^(-8|B|).
 * zlib.crc32(more, crc(A)) then continues it over the new tail.
 */
import * as zlib from 'zlib';

const POLY = 0xedb88320;
/** x^0 in the reflected representation. */
const ONE = 0x80000000;
/** x^-1 modulo the CRC-32 polynomial (the reflection of 0x82608EDB): multmodp(X_INVERSE, x) === ONE. */
const X_INVERSE = 0xdb710641;

/** a * b modulo the CRC-32 polynomial. */
export function multmodp(a: number, b: number): number {
  let m = ONE;
  let p = 0;
  for (;;) {
    if (a & m) {
      p ^= b;
      if ((a & (m - 1)) === 0) break;
    }
    m >>>= 1;
    b = b & 1 ? (b >>> 1) ^ POLY : b >>> 1;
  }
  return p >>> 0;
}

/** base^exponent modulo the polynomial, by squaring (exponent is a non-negative integer, may exceed 2^32). */
function powmodp(base: number, exponent: number): number {
  let result = ONE;
  let square = base;
  let e = exponent;
  while (e > 0) {
    if (e % 2 === 1) result = multmodp(result, square);
    square = multmodp(square, square);
    e = Math.floor(e / 2);
  }
  return result;
}

/** CRC-32 of `length` zero bytes, without materialising them. */
export function crc32OfZeros(length: number): number {
  // crc(n zeros) = crc_raw(0^n) with the pre/post inversion: ((~0) * x^(8n)) ^ ~0.
  return (multmodp(powmodp(0x40000000, 8 * length), 0xffffffff) ^ 0xffffffff) >>> 0;
}

/** Given crc(A || B), crc(B) and |B|, returns crc(A). */
export function crc32Uncombine(crcAB: number, crcB: number, lengthB: number): number {
  return multmodp(powmodp(X_INVERSE, 8 * lengthB), (crcAB ^ crcB) >>> 0);
}

/** crc(A || B) from crc(A), crc(B) and |B| (zlib's crc32_combine). */
export function crc32Combine(crcA: number, crcB: number, lengthB: number): number {
  return (multmodp(powmodp(0x40000000, 8 * lengthB), crcA) ^ crcB) >>> 0;
}

/** zlib.crc32 (Node >= 20.15), continuing from `initial`. */
export function crc32(data: Uint8Array, initial = 0): number {
  return zlib.crc32(data, initial) >>> 0;
}
