/*
 * Viterbi segmentation of DNA into vocabulary tokens: the compiled twin of
 * mxdna.tokenizer.lattice.viterbi_python.
 *
 * viterbi(codes, seq_starts, keys, vals, dense, scores, max_len, n_id, exclude)
 *     -> (token_ids: bytearray[int32], token_starts: bytearray[int32],
 *         seq_token_starts: bytearray[int64], loglik: bytearray[float64])
 *
 *   codes        uint8 buffer, all sequences concatenated: 0..3 = A,C,G,T; 4 = ambiguous base
 *   seq_starts   int64 buffer of n+1 offsets into codes
 *   keys, vals   open-addressing hash table (size a power of two) of every token and every
 *                prefix of a token: key = (2-bit packed k-mer << 5) | k, value = token id or -1
 *                for a prefix that is not itself a token; empty slots hold UINT64_MAX
 *   dense        int32 buffer: the same content for prefixes of up to DENSE_K bases, indexed
 *                directly by DENSE_OFFSET(k) + packed (-2 = absent); it fits in L2 cache, so the
 *                common short lookups avoid the hash table's cache misses
 *   scores       float64 log-probability per token id
 *   max_len      longest token, in bases
 *   n_id         the token for one ambiguous base (always used alone)
 *   exclude      int32 buffer of n token ids (one per sequence) that may not be used there,
 *                or empty; used to score the best segmentation *without* a token
 *
 * Maximises the summed score. Ties go to the longest last token, as in Hugging Face's Unigram
 * lattice, so exported tokenizers segment identically.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#define EMPTY_KEY UINT64_MAX
#define DENSE_K 8
/* offset of length k in the dense table: sum_{j=1}^{k-1} 4^j = (4^k - 4) / 3 */
#define DENSE_OFFSET(k) ((((int64_t)1 << (2 * (k))) - 4) / 3)
#define DENSE_SIZE DENSE_OFFSET(DENSE_K + 1)

static inline uint64_t mix(uint64_t key) { return key * 0x9E3779B97F4A7C15ULL; }

static inline int32_t lookup(const uint64_t *keys, const int32_t *vals, uint64_t mask,
                             int shift, uint64_t key, int *found) {
    uint64_t slot = (mix(key) >> shift) & mask;
    for (;;) {
        uint64_t k = keys[slot];
        if (k == key) {
            *found = 1;
            return vals[slot];
        }
        if (k == EMPTY_KEY) {
            *found = 0;
            return -1;
        }
        slot = (slot + 1) & mask;
    }
}

static PyObject *viterbi(PyObject *self, PyObject *args) {
    Py_buffer codes_b, starts_b, keys_b, vals_b, dense_b, scores_b, exclude_b;
    int max_len, n_id;
    if (!PyArg_ParseTuple(args, "y*y*y*y*y*y*iiy*", &codes_b, &starts_b, &keys_b, &vals_b,
                          &dense_b, &scores_b, &max_len, &n_id, &exclude_b))
        return NULL;
    PyObject *result = NULL, *ids_obj = NULL, *tstart_obj = NULL, *seqtok_obj = NULL,
             *ll_obj = NULL;
    double *best = NULL;
    int32_t *back = NULL;
    uint8_t *blen = NULL;

    const uint8_t *codes = (const uint8_t *)codes_b.buf;
    const int64_t *starts = (const int64_t *)starts_b.buf;
    const uint64_t *keys = (const uint64_t *)keys_b.buf;
    const int32_t *vals = (const int32_t *)vals_b.buf;
    const int32_t *dense = (const int32_t *)dense_b.buf;
    const double *scores = (const double *)scores_b.buf;
    const int32_t *exclude = (const int32_t *)exclude_b.buf;
    Py_ssize_t n_seqs = starts_b.len / 8 - 1;
    Py_ssize_t table_size = keys_b.len / 8;
    if (n_seqs < 0 || table_size == 0 || (table_size & (table_size - 1)) != 0 ||
        vals_b.len / 4 != table_size || max_len < 1 || max_len > 27 ||
        dense_b.len != DENSE_SIZE * 4 ||
        (exclude_b.len != 0 && exclude_b.len / 4 != n_seqs)) {
        PyErr_SetString(PyExc_ValueError, "viterbi: inconsistent arguments");
        goto done;
    }
    int shift = 0;
    while (((Py_ssize_t)1 << shift) < table_size) shift++;
    shift = 64 - shift; /* use the top bits of the multiplicative hash */
    uint64_t mask = (uint64_t)table_size - 1;
    if (shift == 64) shift = 0;

    Py_ssize_t total = n_seqs ? (Py_ssize_t)(starts[n_seqs] - starts[0]) : 0;
    Py_ssize_t longest = 0;
    for (Py_ssize_t s = 0; s < n_seqs; s++) {
        Py_ssize_t len = (Py_ssize_t)(starts[s + 1] - starts[s]);
        if (len < 0 || starts[s + 1] > codes_b.len) {
            PyErr_SetString(PyExc_ValueError, "viterbi: bad sequence offsets");
            goto done;
        }
        if (len > longest) longest = len;
    }
    ids_obj = PyByteArray_FromStringAndSize(NULL, total * 4);
    tstart_obj = PyByteArray_FromStringAndSize(NULL, total * 4);
    seqtok_obj = PyByteArray_FromStringAndSize(NULL, (n_seqs + 1) * 8);
    ll_obj = PyByteArray_FromStringAndSize(NULL, n_seqs * 8);
    best = PyMem_Malloc((longest + 1) * sizeof(double));
    back = PyMem_Malloc((longest + 1) * sizeof(int32_t));
    blen = PyMem_Malloc((longest + 1) * sizeof(uint8_t));
    if (!ids_obj || !tstart_obj || !seqtok_obj || !ll_obj || !best || !back || !blen) {
        if (!PyErr_Occurred()) PyErr_NoMemory();
        goto done;
    }
    int32_t *out_ids = (int32_t *)PyByteArray_AS_STRING(ids_obj);
    int32_t *out_starts = (int32_t *)PyByteArray_AS_STRING(tstart_obj);
    int64_t *seq_tok = (int64_t *)PyByteArray_AS_STRING(seqtok_obj);
    double *loglik = (double *)PyByteArray_AS_STRING(ll_obj);
    Py_ssize_t n_out = 0;

    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t s = 0; s < n_seqs; s++) {
        const uint8_t *c = codes + starts[s];
        Py_ssize_t len = (Py_ssize_t)(starts[s + 1] - starts[s]);
        int32_t banned = exclude_b.len ? exclude[s] : -1;
        seq_tok[s] = n_out;
        best[0] = 0.0;
        for (Py_ssize_t i = 1; i <= len; i++) best[i] = -INFINITY;
        for (Py_ssize_t j = 0; j < len; j++) {
            double here = best[j];
            if (here == -INFINITY) continue;
            if (c[j] > 3) { /* an ambiguous base is always its own token */
                double cand = here + scores[n_id];
                if (cand > best[j + 1]) {
                    best[j + 1] = cand;
                    back[j + 1] = n_id;
                    blen[j + 1] = 1;
                }
                continue;
            }
            uint64_t packed = 0;
            Py_ssize_t limit = len - j < max_len ? len - j : max_len;
            for (Py_ssize_t k = 1; k <= limit; k++) {
                uint8_t base = c[j + k - 1];
                if (base > 3) break;
                packed = (packed << 2) | base;
                int32_t id;
                if (k <= DENSE_K) {
                    id = dense[DENSE_OFFSET(k) + (int64_t)packed];
                    if (id == -2) break; /* no token starts with this prefix */
                } else {
                    int found;
                    id = lookup(keys, vals, mask, shift, (packed << 5) | (uint64_t)k, &found);
                    if (!found) break;
                }
                if (id < 0 || id == banned) continue;
                double cand = here + scores[id];
                if (cand > best[j + k]) { /* strict: the earliest start (longest token) wins ties */
                    best[j + k] = cand;
                    back[j + k] = id;
                    blen[j + k] = (uint8_t)k;
                }
            }
        }
        loglik[s] = best[len];
        /* count tokens on the best path, then write them front to back */
        Py_ssize_t count = 0;
        for (Py_ssize_t i = len; i > 0; i -= blen[i]) count++;
        Py_ssize_t w = n_out + count;
        for (Py_ssize_t i = len; i > 0; i -= blen[i]) {
            w--;
            out_ids[w] = back[i];
            out_starts[w] = (int32_t)(i - blen[i]);
        }
        n_out += count;
    }
    seq_tok[n_seqs] = n_out;
    Py_END_ALLOW_THREADS

    if (PyByteArray_Resize(ids_obj, n_out * 4) < 0 || PyByteArray_Resize(tstart_obj, n_out * 4) < 0)
        goto done;
    result = PyTuple_Pack(4, ids_obj, tstart_obj, seqtok_obj, ll_obj);
done:
    Py_XDECREF(ids_obj);
    Py_XDECREF(tstart_obj);
    Py_XDECREF(seqtok_obj);
    Py_XDECREF(ll_obj);
    PyMem_Free(best);
    PyMem_Free(back);
    PyMem_Free(blen);
    PyBuffer_Release(&codes_b);
    PyBuffer_Release(&starts_b);
    PyBuffer_Release(&keys_b);
    PyBuffer_Release(&vals_b);
    PyBuffer_Release(&dense_b);
    PyBuffer_Release(&scores_b);
    PyBuffer_Release(&exclude_b);
    return result;
}

static PyMethodDef methods[] = {
    {"viterbi", viterbi, METH_VARARGS, "Best segmentation of many sequences (see module doc)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_viterbi",
                                    "Compiled Viterbi segmenter (see mxdna.tokenizer.lattice).",
                                    -1, methods};

PyMODINIT_FUNC PyInit__viterbi(void) { return PyModule_Create(&module); }
