"""Reads a tar archive (plain or gzip) the way Python's tarfile and libarchive (bsdtar's library) read it.

A long-lived worker for the differential tests: one JSON request per line on stdin, one JSON answer per line on
stdout.

  {"op": "view", "path": P}               -> {"python": VIEW, "libarchive": VIEW}
  {"op": "extract", "path": P, "dest": D} -> {"ok": bool, "error": str}   (tarfile.extractall, filter='tar')
  {"op": "write", "src": DIR, "out": P, "format": "PAX"|"GNU"|"USTAR", "globalHeaders": {...}} -> {"ok", "error"}
  {"op": "gzip", "src": P, "out": Q, "level": n} -> {"ok", "error"}      (gzip.compress, as tarfile's w:gz)

VIEW = {"ok": true, "members": [{"name": hex, "type": T, "size": n, "link": hex|null, "sha256": hex|null, "mtime": n}],
        "warnings": [...]}
     | {"ok": false, "error": "..."}
T is one of file, hardlink, symlink, dir, fifo, char, block, other. Names and link targets are the raw bytes each
reader reports, hex-encoded. sha256 is the member's data as the reader returns it, for regular files only.
"""
import ctypes
import hashlib
import json
import sys
import tarfile


def hexname(value):
    if value is None:
        return None
    if isinstance(value, str):
        value = value.encode('utf-8', 'surrogateescape')
    return value.hex()


# ---- Python tarfile -----------------------------------------------------------------------------------------
PY_TYPES = {
    tarfile.REGTYPE: 'file', tarfile.AREGTYPE: 'file', tarfile.CONTTYPE: 'file', tarfile.LNKTYPE: 'hardlink',
    tarfile.SYMTYPE: 'symlink', tarfile.DIRTYPE: 'dir', tarfile.FIFOTYPE: 'fifo', tarfile.CHRTYPE: 'char',
    tarfile.BLKTYPE: 'block',
}


def python_view(path):
    try:
        members = []
        with tarfile.open(path, 'r:*') as t:
            for m in t:
                kind = PY_TYPES.get(m.type, 'other')
                sha = None
                if kind == 'file':
                    f = t.extractfile(m)
                    sha = hashlib.sha256(f.read()).hexdigest()
                members.append({
                    'name': hexname(m.name), 'type': kind, 'size': m.size,
                    'link': hexname(m.linkname) if kind in ('hardlink', 'symlink') else None, 'sha256': sha,
                    'mtime': int(m.mtime),
                })
        return {'ok': True, 'members': members, 'warnings': []}
    except Exception as e:  # noqa: BLE001 - any failure is the reader's answer
        return {'ok': False, 'error': '%s: %s' % (type(e).__name__, e)}


def python_extract(path, dest):
    try:
        with tarfile.open(path, 'r:*') as t:
            t.extractall(dest, filter='tar')
        return {'ok': True, 'error': ''}
    except Exception as e:  # noqa: BLE001
        return {'ok': False, 'error': '%s: %s' % (type(e).__name__, e)}


# ---- libarchive (what bsdtar reads with) ----------------------------------------------------------------------
la = ctypes.CDLL('libarchive.so.13')
vp = ctypes.c_void_p
la.archive_read_new.restype = vp
for fn in ('archive_read_support_filter_all', 'archive_read_support_format_all', 'archive_read_free', 'archive_read_close'):
    getattr(la, fn).argtypes = [vp]
la.archive_read_open_filename.argtypes = [vp, ctypes.c_char_p, ctypes.c_size_t]
la.archive_read_next_header.argtypes = [vp, ctypes.POINTER(vp)]
la.archive_read_data.argtypes = [vp, ctypes.c_void_p, ctypes.c_size_t]
la.archive_read_data.restype = ctypes.c_ssize_t
la.archive_error_string.argtypes = [vp]
la.archive_error_string.restype = ctypes.c_char_p
for fn in ('archive_entry_pathname', 'archive_entry_hardlink', 'archive_entry_symlink'):
    getattr(la, fn).argtypes = [vp]
    getattr(la, fn).restype = ctypes.c_char_p
la.archive_entry_size.argtypes = [vp]
la.archive_entry_size.restype = ctypes.c_int64
la.archive_entry_filetype.argtypes = [vp]
la.archive_entry_filetype.restype = ctypes.c_uint
la.archive_entry_mtime.argtypes = [vp]
la.archive_entry_mtime.restype = ctypes.c_int64
ARCHIVE_OK, ARCHIVE_EOF, ARCHIVE_WARN = 0, 1, -20
LA_TYPES = {0o100000: 'file', 0o120000: 'symlink', 0o040000: 'dir', 0o010000: 'fifo', 0o020000: 'char', 0o060000: 'block'}


def libarchive_view(path):
    a = la.archive_read_new()
    warnings = []
    try:
        la.archive_read_support_filter_all(a)
        la.archive_read_support_format_all(a)
        if la.archive_read_open_filename(a, path.encode(), 65536) != ARCHIVE_OK:
            return {'ok': False, 'error': (la.archive_error_string(a) or b'open failed').decode('utf-8', 'replace')}
        members = []
        entry = vp()
        buf = ctypes.create_string_buffer(1 << 16)
        while True:
            r = la.archive_read_next_header(a, ctypes.byref(entry))
            if r == ARCHIVE_EOF:
                break
            if r == ARCHIVE_WARN:
                warnings.append((la.archive_error_string(a) or b'').decode('utf-8', 'replace'))
            elif r != ARCHIVE_OK:
                return {'ok': False, 'error': (la.archive_error_string(a) or b'read failed').decode('utf-8', 'replace')}
            hard = la.archive_entry_hardlink(entry)
            kind = 'hardlink' if hard is not None else LA_TYPES.get(la.archive_entry_filetype(entry), 'other')
            link = hard if hard is not None else (la.archive_entry_symlink(entry) if kind == 'symlink' else None)
            sha = None
            if kind == 'file':
                h = hashlib.sha256()
                while True:
                    n = la.archive_read_data(a, buf, len(buf))
                    if n < 0:
                        return {'ok': False, 'error': (la.archive_error_string(a) or b'data read failed').decode('utf-8', 'replace')}
                    if n == 0:
                        break
                    h.update(buf.raw[:n])
                sha = h.hexdigest()
            members.append({
                'name': hexname(la.archive_entry_pathname(entry)), 'type': kind, 'size': la.archive_entry_size(entry),
                'link': hexname(link), 'sha256': sha, 'mtime': la.archive_entry_mtime(entry),
            })
        return {'ok': True, 'members': members, 'warnings': warnings}
    finally:
        la.archive_read_free(a)


# ---- writing (the fuzzing's Python writers, here to spare a Python start per case) ------------------------------
def python_write(src, out, fmt, global_headers):
    import os
    try:
        with tarfile.open(out, 'w', format=getattr(tarfile, fmt + '_FORMAT'), pax_headers=global_headers) as t:
            for root, dirs, files in os.walk(src):
                dirs.sort()
                rel = os.path.relpath(root, src)
                if rel != '.':
                    t.add(root, arcname=rel, recursive=False)
                for f in sorted(files):
                    p = os.path.join(root, f)
                    t.add(p, arcname=os.path.relpath(p, src), recursive=False)
        return {'ok': True, 'error': ''}
    except Exception as e:  # noqa: BLE001 - a tree this format cannot hold
        return {'ok': False, 'error': '%s: %s' % (type(e).__name__, e)}


def python_gzip(src, out, level):
    import gzip
    with open(src, 'rb') as f:
        data = f.read()
    with open(out, 'wb') as f:
        f.write(gzip.compress(data, level, mtime=0))
    return {'ok': True, 'error': ''}


for line in sys.stdin:
    request = json.loads(line)
    if request['op'] == 'view':
        answer = {'python': python_view(request['path']), 'libarchive': libarchive_view(request['path'])}
    elif request['op'] == 'extract':
        answer = python_extract(request['path'], request['dest'])
    elif request['op'] == 'write':
        answer = python_write(request['src'], request['out'], request['format'], request['globalHeaders'])
    elif request['op'] == 'gzip':
        answer = python_gzip(request['src'], request['out'], request['level'])
    else:
        answer = {'error': 'unknown op %r' % request['op']}
    sys.stdout.write(json.dumps(answer) + '\n')
    sys.stdout.flush()
