/*
 * Fast FASTA block parser: the compiled twin of mxdna.io.fasta._parse_block.
 *
 * parse_block(block, first_line, table, record_type) -> (list_of_records, next_line) | None
 *
 *   block       bytes holding whole records; block[0] == '>'
 *   first_line  1-based line number of block[0]
 *   table       bytes of length 256, one action per input byte inside sequence lines:
 *                 0 = invalid, 1 = skip (whitespace), 2 = newline (skip, counts a line),
 *                 other = the byte to emit (this is where case folding and N-replacement live)
 *   record_type a tuple subclass with 4 fields (FastaRecord): (id, sequence, description, line)
 *
 * Returns None, without raising, whenever anything needs a precise error message or a rule this
 * code does not implement (invalid byte, empty id, header without sequence, header that is not
 * UTF-8): the caller then re-parses the block with the pure-Python twin, which raises the error.
 * Policy decisions therefore live in Python only; this file just splits and translates.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>

static inline int is_space(unsigned char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f' || c == '\n';
}

/* Build one record; steals nothing; returns new reference or NULL (error set). */
static PyObject *make_record(PyTypeObject *type, PyObject *id, PyObject *seq, PyObject *desc,
                             Py_ssize_t line) {
    PyObject *line_obj = PyLong_FromSsize_t(line);
    if (line_obj == NULL) return NULL;
    PyObject *rec = type->tp_alloc(type, 4);
    if (rec == NULL) {
        Py_DECREF(line_obj);
        return NULL;
    }
    Py_INCREF(id);
    Py_INCREF(seq);
    Py_INCREF(desc);
    PyTuple_SET_ITEM(rec, 0, id);
    PyTuple_SET_ITEM(rec, 1, seq);
    PyTuple_SET_ITEM(rec, 2, desc);
    PyTuple_SET_ITEM(rec, 3, line_obj);
    /* Only str and int inside: the record can never be part of a reference cycle, so keep it out
     * of the cyclic GC (CPython untracks such tuples lazily; doing it now avoids GC passes over
     * hundreds of thousands of young records). */
    PyObject_GC_UnTrack(rec);
    return rec;
}

/* Header bytes [h, end) after '>': id = first whitespace-delimited word, desc = rest, trimmed.
 * Returns 0 on success, 1 if the caller should fall back (empty id / bad UTF-8), -1 on error. */
/* str from bytes: a plain copy when all bytes are ASCII (the usual header), else UTF-8. */
static PyObject *ascii_or_utf8(const char *p, Py_ssize_t len) {
    unsigned char high = 0;
    for (Py_ssize_t i = 0; i < len; i++) high |= (unsigned char)p[i];
    if (high & 0x80) return PyUnicode_DecodeUTF8(p, len, NULL);
    PyObject *text = PyUnicode_New(len, 127);
    if (text != NULL) memcpy(PyUnicode_1BYTE_DATA(text), p, len);
    return text;
}

typedef struct {
    const char *bytes; /* previous description (points into the block) */
    Py_ssize_t len;
    PyObject *obj; /* borrowed from the previous record, which the list keeps alive */
} DescCache;

static int parse_header(const char *h, const char *end, PyObject **id, PyObject **desc,
                        DescCache *cache) {
    while (h < end && is_space((unsigned char)*h)) h++;
    while (end > h && is_space((unsigned char)end[-1])) end--;
    const char *id_end = h;
    while (id_end < end && !is_space((unsigned char)*id_end)) id_end++;
    if (id_end == h) return 1;
    const char *d = id_end;
    while (d < end && is_space((unsigned char)*d)) d++;
    *id = ascii_or_utf8(h, id_end - h);
    if (*id == NULL) {
        PyErr_Clear();
        return 1;
    }
    /* Labelled FASTA repeats descriptions ("label=1"): reuse the previous str when equal. */
    if (cache->obj != NULL && cache->len == end - d && memcmp(cache->bytes, d, end - d) == 0) {
        *desc = cache->obj;
        Py_INCREF(*desc);
        return 0;
    }
    *desc = ascii_or_utf8(d, end - d);
    if (*desc != NULL) {
        cache->bytes = d;
        cache->len = end - d;
        cache->obj = *desc;
    }
    if (*desc == NULL) {
        PyErr_Clear();
        Py_DECREF(*id);
        return 1;
    }
    return 0;
}

static PyObject *parse_block(PyObject *self, PyObject *args) {
    Py_buffer block, table_buf;
    Py_ssize_t line;
    PyTypeObject *record_type;
    if (!PyArg_ParseTuple(args, "y*ny*O!", &block, &line, &table_buf, &PyType_Type, &record_type))
        return NULL;
    PyObject *result = NULL, *records = NULL;
    char *scratch = NULL;
    Py_ssize_t scratch_size = 0;
    const unsigned char *table = (const unsigned char *)table_buf.buf;
    const char *buf = (const char *)block.buf;
    const Py_ssize_t n = block.len;
    int fallback = 0;
    DescCache cache = {NULL, 0, NULL};
    int identity = 1; /* does the table emit every accepted byte unchanged? */

    if (table_buf.len != 256 || n == 0 || buf[0] != '>') {
        PyErr_SetString(PyExc_ValueError, "parse_block: bad arguments");
        goto done;
    }
    for (int c = 0; c < 256; c++) {
        if (table[c] > 2 && table[c] != c) identity = 0;
    }
    records = PyList_New(0);
    if (records == NULL) goto done;

    Py_ssize_t p = 0;
    while (p < n) {
        /* p is at '>' */
        const char *eol_ptr = memchr(buf + p + 1, '\n', n - p - 1);
        Py_ssize_t eol = eol_ptr ? eol_ptr - buf : n;
        Py_ssize_t header_line = line;
        /* record end r: the '\n' of the first "\n>" at or after eol, or n */
        Py_ssize_t r = eol;
        while (r < n && !(r + 1 < n && buf[r + 1] == '>')) {
            const char *next = memchr(buf + r + 1, '\n', n - r - 1);
            r = next ? next - buf : n;
        }
        /* sequence bytes: (eol, r) */
        Py_ssize_t start = eol + 1, span = r - start;
        if (span <= 0) {
            fallback = 1; /* header without sequence */
            break;
        }
        if (span > scratch_size) {
            char *grown = PyMem_Realloc(scratch, span);
            if (grown == NULL) {
                PyErr_NoMemory();
                goto done;
            }
            scratch = grown;
            scratch_size = span;
        }
        Py_ssize_t len = 0, newlines = (eol < n) ? 1 : 0;
        const char *seq_bytes = scratch; /* where the sequence ends up, contiguous */
        /* Fast path: the whole sequence is one clean line (no newline, whitespace or invalid
         * byte) and the policy changes no byte: take it straight from the block. */
        if (identity) {
            const unsigned char *s = (const unsigned char *)buf + start;
            unsigned char special = 0;
            for (Py_ssize_t i = 0; i < span; i++) special |= (table[s[i]] <= 2);
            if (!special) {
                seq_bytes = buf + start;
                len = span;
            }
        }
        Py_ssize_t pos = seq_bytes == scratch ? start : r;
        while (pos < r && !fallback) {
            const char *nl_ptr = memchr(buf + pos, '\n', r - pos);
            Py_ssize_t line_end = nl_ptr ? nl_ptr - buf : r;
            const unsigned char *s = (const unsigned char *)buf + pos;
            Py_ssize_t width = line_end - pos;
            /* common case: no whitespace or invalid byte in the line (branch-free check) */
            unsigned char special = 0;
            for (Py_ssize_t i = 0; i < width; i++) special |= (table[s[i]] <= 2);
            if (!special && identity) {
                memcpy(scratch + len, s, width);
                len += width;
            } else if (!special) {
                for (Py_ssize_t i = 0; i < width; i++) scratch[len + i] = (char)table[s[i]];
                len += width;
            } else {
                for (Py_ssize_t i = 0; i < width; i++) {
                    unsigned char action = table[s[i]];
                    if (action > 2) {
                        scratch[len++] = (char)action;
                    } else if (action == 0) {
                        fallback = 1;
                        break;
                    }
                }
            }
            if (nl_ptr) newlines++;
            pos = line_end + 1;
        }
        if (fallback) break;
        if (len == 0) {
            fallback = 1;
            break;
        }
        PyObject *id = NULL, *desc = NULL;
        int status = parse_header(buf + p + 1, buf + eol, &id, &desc, &cache);
        if (status != 0) {
            fallback = 1;
            break;
        }
        PyObject *seq = PyUnicode_New(len, 127);
        if (seq == NULL) {
            Py_DECREF(id);
            Py_DECREF(desc);
            goto done;
        }
        memcpy(PyUnicode_1BYTE_DATA(seq), seq_bytes, len);
        PyObject *rec = make_record(record_type, id, seq, desc, header_line);
        Py_DECREF(id);
        Py_DECREF(seq);
        Py_DECREF(desc);
        if (rec == NULL) goto done;
        int appended = PyList_Append(records, rec);
        Py_DECREF(rec);
        if (appended < 0) goto done;
        line += newlines + (r < n ? 1 : 0);
        p = r + 1;
    }
    if (fallback) {
        result = Py_None;
        Py_INCREF(result);
    } else {
        result = Py_BuildValue("(On)", records, line);
    }
done:
    Py_XDECREF(records);
    PyMem_Free(scratch);
    PyBuffer_Release(&block);
    PyBuffer_Release(&table_buf);
    return result;
}

static PyMethodDef methods[] = {
    {"parse_block", parse_block, METH_VARARGS,
     "parse_block(block, first_line, table, record_type) -> (records, next_line) | None"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_fastaparse",
                                    "Compiled FASTA block parser (see mxdna.io.fasta).", -1,
                                    methods};

PyMODINIT_FUNC PyInit__fastaparse(void) { return PyModule_Create(&module); }
