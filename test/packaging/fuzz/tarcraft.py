"""Builds tar archives header by header, for tests that need forms no writer produces on purpose.

Imported by the snippets the TypeScript tests run (`python3 -c "from tarcraft import *; ..."` with this folder on
PYTHONPATH). Every header starts as Python tarfile writes it; `edit` changes bytes and fixes the checksum.
"""
import gzip
import io
import tarfile

BLOCK = 512
FORMATS = {'gnu': tarfile.GNU_FORMAT, 'ustar': tarfile.USTAR_FORMAT, 'pax': tarfile.PAX_FORMAT}


def pad(data):
    return data + b'\0' * (-len(data) % BLOCK)


def fix_checksum(header):
    h = bytearray(header)
    h[148:156] = b'        '
    h[148:156] = b'%06o\0 ' % sum(h)
    return bytes(h)


def edit(header, offset, value, checksum=True):
    """The header (first 512 bytes of `header`) with `value` written at `offset`, checksum fixed."""
    h = bytearray(header[:BLOCK])
    h[offset:offset + len(value)] = value
    out = bytes(h)
    return (fix_checksum(out) if checksum else out) + header[BLOCK:]


def header(name, size=0, type=tarfile.REGTYPE, fmt='gnu', linkname='', mtime=1700000000, **fields):
    ti = tarfile.TarInfo(name)
    ti.size = size
    ti.type = type
    ti.linkname = linkname
    ti.mtime = mtime
    for k, v in fields.items():
        setattr(ti, k, v)
    return ti.tobuf(FORMATS[fmt])


def member(name, data=b'', fmt='gnu', **fields):
    """A regular file: its header(s) and padded data."""
    return header(name, len(data), fmt=fmt, **fields) + pad(data)


def special(name, type, linkname='', fmt='gnu'):
    return header(name, 0, type=type, linkname=linkname, fmt=fmt)


def pax_record(key, value):
    if isinstance(value, str):
        value = value.encode()
    body = b' ' + key.encode() + b'=' + value + b'\n'
    n = len(body) + 1
    while len(str(n)) + len(body) != n:
        n = len(str(n)) + len(body)
    return str(n).encode() + body


def extended(data, type=b'x', name='PaxHeaders/x'):
    """An extended header (x, g, L or K) carrying `data` verbatim."""
    h = header(name, len(data), type=type, fmt='ustar')
    return h + pad(data)


def pax(records, type=b'x'):
    return extended(b''.join(pax_record(k, v) for k, v in records.items()), type=type)


def end(total_so_far=0):
    """The end-of-archive marker, padded to a 10240-byte record."""
    n = 2 * BLOCK
    n += -(total_so_far + n) % 10240
    return b'\0' * n


def archive(*parts):
    body = b''.join(parts)
    return body + end(len(body))


def write(path, tar, gz=True):
    with open(path, 'wb') as f:
        f.write(gzip.compress(tar, mtime=0) if gz else tar)
