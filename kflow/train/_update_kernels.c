/* Optimizer updates as one loop over the elements: kflow.train._update_kernels.
 *
 * numpy runs an update as ~12 separate passes (Adam: scale m, add, square g, ...), each reading and writing
 * whole arrays; one loop reads each array once. Every loop rounds exactly as the numpy rule it replaces: the
 * same operations in the same order, each in the arrays' type, scalars rounded to that type first (as numpy
 * casts a Python float against a float32 array). So this file is built with -ffp-contract=off (no fused
 * multiply-add) and without -ffast-math; -fno-math-errno only lets sqrt compile to the instruction.
 * See compiled_updates.py for the Python side and the fallback when this extension is not built.
 *
 * Each function takes the arrays (objects with the buffer protocol: C-contiguous, all float32 or all float64,
 * of one length; the ones written first) and then Python floats, and runs without the GIL.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <tgmath.h> /* sqrt of a float is sqrtf */
#include <string.h>

#ifdef __FAST_MATH__
#error "build without -ffast-math: the loops must round exactly as numpy does"
#endif
#ifdef __clang__
#pragma STDC FP_CONTRACT OFF
#endif

#define MAX_ARRAYS 8
#define MAX_SCALARS 8

/* GCC on x86-64 Linux builds each loop for AVX-512, AVX2 and plain x86-64 and picks one at load time. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define LOOP __attribute__((target_clones("avx512f", "avx2", "default"))) static void
#else
#define LOOP static void
#endif

/* ---- the loops ----------------------------------------------------------------------------------------
 * LOOPS(name, body) defines name_float and name_double: ``body`` runs with ``T`` the element type, ``a`` the
 * arrays' pointers (in the Python call's order), ``n`` their length and ``s`` the scalars (doubles, rounded to
 * ``T`` before use, as numpy rounds a Python float against a T array). sqrt is <tgmath.h>'s, of type T.
 * Each comment gives the numpy passes the loop reproduces. */
typedef void (*loop_fn)(void **a, Py_ssize_t n, const double *s);

#define LOOPS(NAME, ...)                                                                                     \
    LOOP NAME##_float(void **a, Py_ssize_t n, const double *s) { typedef float T; __VA_ARGS__ }              \
    LOOP NAME##_double(void **a, Py_ssize_t n, const double *s) { typedef double T; __VA_ARGS__ }

/* train.gradient_descent: var -= grad * lr */
LOOPS(sgd,
    T *var = a[0]; const T *grad = a[1];
    const T lr = (T)s[0];
    for (Py_ssize_t i = 0; i < n; i++) var[i] -= grad[i] * lr;
)

/* train.momentum: accum = accum * momentum + grad; var -= accum * lr */
LOOPS(momentum,
    T *var = a[0], *accum = a[1]; const T *grad = a[2];
    const T lr = (T)s[0], momentum = (T)s[1];
    for (Py_ssize_t i = 0; i < n; i++) {
        const T acc = accum[i] * momentum + grad[i];
        accum[i] = acc;
        var[i] -= acc * lr;
    }
)

/* train.momentum (use_nesterov): accum = accum * momentum + grad; var -= (accum * momentum + grad) * lr */
LOOPS(nesterov_momentum,
    T *var = a[0], *accum = a[1]; const T *grad = a[2];
    const T lr = (T)s[0], momentum = (T)s[1];
    for (Py_ssize_t i = 0; i < n; i++) {
        const T g = grad[i];
        const T acc = accum[i] * momentum + g;
        accum[i] = acc;
        var[i] -= (acc * momentum + g) * lr;
    }
)

/* train.adam: m = m * beta1 + grad * (1 - beta1); v = v * beta2 + (grad * grad) * (1 - beta2);
 * var -= (m / (sqrt(v) + epsilon)) * lr_t */
LOOPS(adam,
    T *var = a[0], *m = a[1], *v = a[2]; const T *grad = a[3];
    const T lr_t = (T)s[0], beta1 = (T)s[1], one_minus_beta1 = (T)s[2], beta2 = (T)s[3],
            one_minus_beta2 = (T)s[4], epsilon = (T)s[5];
    for (Py_ssize_t i = 0; i < n; i++) {
        const T g = grad[i];
        const T m_i = m[i] * beta1 + g * one_minus_beta1;
        const T v_i = v[i] * beta2 + (g * g) * one_minus_beta2;
        m[i] = m_i;
        v[i] = v_i;
        var[i] -= (m_i / (sqrt(v_i) + epsilon)) * lr_t;
    }
)

/* train.adagrad: accum += grad * grad; var -= (grad / sqrt(accum)) * lr */
LOOPS(adagrad,
    T *var = a[0], *accum = a[1]; const T *grad = a[2];
    const T lr = (T)s[0];
    for (Py_ssize_t i = 0; i < n; i++) {
        const T g = grad[i];
        const T acc = accum[i] + g * g;
        accum[i] = acc;
        var[i] -= (g / sqrt(acc)) * lr;
    }
)

/* train.rmsprop: ms = ms * decay + (grad * grad) * (1 - decay); mom = mom * momentum +
 * (grad / sqrt(ms + epsilon)) * lr; var -= mom */
LOOPS(rmsprop,
    T *var = a[0], *ms = a[1], *mom = a[2]; const T *grad = a[3];
    const T lr = (T)s[0], decay = (T)s[1], one_minus_decay = (T)s[2], momentum = (T)s[3], epsilon = (T)s[4];
    for (Py_ssize_t i = 0; i < n; i++) {
        const T g = grad[i];
        const T ms_i = ms[i] * decay + (g * g) * one_minus_decay;
        const T mom_i = mom[i] * momentum + (g / sqrt(ms_i + epsilon)) * lr;
        ms[i] = ms_i;
        mom[i] = mom_i;
        var[i] -= mom_i;
    }
)

/* keras RMSprop: acc = acc * rho + (grad * grad) * (1 - rho); var -= (grad / (sqrt(acc) + epsilon)) * lr */
LOOPS(keras_rmsprop,
    T *var = a[0], *acc = a[1]; const T *grad = a[2];
    const T lr = (T)s[0], rho = (T)s[1], one_minus_rho = (T)s[2], epsilon = (T)s[3];
    for (Py_ssize_t i = 0; i < n; i++) {
        const T g = grad[i];
        const T acc_i = acc[i] * rho + (g * g) * one_minus_rho;
        acc[i] = acc_i;
        var[i] -= (g / (sqrt(acc_i) + epsilon)) * lr;
    }
)

/* keras Adagrad: acc += grad * grad; var -= (grad / (sqrt(acc) + epsilon)) * lr */
LOOPS(keras_adagrad,
    T *var = a[0], *acc = a[1]; const T *grad = a[2];
    const T lr = (T)s[0], epsilon = (T)s[1];
    for (Py_ssize_t i = 0; i < n; i++) {
        const T g = grad[i];
        const T acc_i = acc[i] + g * g;
        acc[i] = acc_i;
        var[i] -= (g / (sqrt(acc_i) + epsilon)) * lr;
    }
)

/* keras AdamW: var -= var * decay; m += (grad - m) * (1 - beta_1); v += (grad * grad - v) * (1 - beta_2);
 * var -= (m / (sqrt(v) + epsilon)) * lr_t */
LOOPS(keras_adamw,
    T *var = a[0], *m = a[1], *v = a[2]; const T *grad = a[3];
    const T lr_t = (T)s[0], decay = (T)s[1], one_minus_beta_1 = (T)s[2], one_minus_beta_2 = (T)s[3],
            epsilon = (T)s[4];
    for (Py_ssize_t i = 0; i < n; i++) {
        const T g = grad[i], m_old = m[i], v_old = v[i], var_old = var[i];
        const T m_i = m_old + (g - m_old) * one_minus_beta_1;
        const T v_i = v_old + (g * g - v_old) * one_minus_beta_2;
        m[i] = m_i;
        v[i] = v_i;
        var[i] = (var_old - var_old * decay) - (m_i / (sqrt(v_i) + epsilon)) * lr_t;
    }
)

/* numpy's maximum and sign, including NaN (propagated) and zero signs (maximum of equal values is b) */
#define NP_MAXIMUM(x, y) ((x) > (y) || (x) != (x) ? (x) : (y))
#define NP_SIGN(x) ((x) > 0 ? (T)1 : (x) < 0 ? (T)-1 : (x) == 0 ? (T)0 : (x))

/* train.rmsprop (centered): ms as rmsprop; mg = mg * decay + grad * (1 - decay);
 * mom = mom * momentum + (grad / sqrt(maximum(ms - mg * mg, 0) + epsilon)) * lr; var -= mom */
LOOPS(centered_rmsprop,
    T *var = a[0], *ms = a[1], *mg = a[2], *mom = a[3]; const T *grad = a[4];
    const T lr = (T)s[0], decay = (T)s[1], one_minus_decay = (T)s[2], momentum = (T)s[3], epsilon = (T)s[4];
    const T zero = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        const T g = grad[i];
        const T ms_i = ms[i] * decay + (g * g) * one_minus_decay;
        const T mg_i = mg[i] * decay + g * one_minus_decay;
        const T centered = ms_i - mg_i * mg_i;
        const T mom_i = mom[i] * momentum + (g / sqrt(NP_MAXIMUM(centered, zero) + epsilon)) * lr;
        ms[i] = ms_i;
        mg[i] = mg_i;
        mom[i] = mom_i;
        var[i] -= mom_i;
    }
)

/* keras Adadelta: acc = acc * rho + (grad * grad) * (1 - rho); u = (sqrt(delta + epsilon) * grad) /
 * sqrt(acc + epsilon); var -= u * lr; delta = delta * rho + (u * u) * (1 - rho) */
LOOPS(keras_adadelta,
    T *var = a[0], *acc = a[1], *delta = a[2]; const T *grad = a[3];
    const T lr = (T)s[0], rho = (T)s[1], one_minus_rho = (T)s[2], epsilon = (T)s[3];
    for (Py_ssize_t i = 0; i < n; i++) {
        const T g = grad[i];
        const T acc_i = acc[i] * rho + (g * g) * one_minus_rho;
        const T u = (sqrt(delta[i] + epsilon) * g) / sqrt(acc_i + epsilon);
        acc[i] = acc_i;
        var[i] -= u * lr;
        delta[i] = delta[i] * rho + (u * u) * one_minus_rho;
    }
)

/* keras Adamax: m = m * beta_1 + grad * (1 - beta_1); u = maximum(u * beta_2, |grad|);
 * var -= (m / (u + epsilon)) * lr_t */
LOOPS(keras_adamax,
    T *var = a[0], *m = a[1], *u = a[2]; const T *grad = a[3];
    const T lr_t = (T)s[0], beta_1 = (T)s[1], one_minus_beta_1 = (T)s[2], beta_2 = (T)s[3], epsilon = (T)s[4];
    for (Py_ssize_t i = 0; i < n; i++) {
        const T g = grad[i];
        const T m_i = m[i] * beta_1 + g * one_minus_beta_1;
        const T decayed = u[i] * beta_2, magnitude = fabs(g);
        const T u_i = NP_MAXIMUM(decayed, magnitude);
        m[i] = m_i;
        u[i] = u_i;
        var[i] -= (m_i / (u_i + epsilon)) * lr_t;
    }
)

/* keras Nadam: m, v as keras AdamW; var -= ((m * c1 + grad * c2) / (sqrt(v * v_corr) + epsilon)) * lr */
LOOPS(keras_nadam,
    T *var = a[0], *m = a[1], *v = a[2]; const T *grad = a[3];
    const T lr = (T)s[0], c1 = (T)s[1], c2 = (T)s[2], v_corr = (T)s[3], one_minus_beta_1 = (T)s[4],
            one_minus_beta_2 = (T)s[5], epsilon = (T)s[6];
    for (Py_ssize_t i = 0; i < n; i++) {
        const T g = grad[i], m_old = m[i], v_old = v[i];
        const T m_i = m_old + (g - m_old) * one_minus_beta_1;
        const T v_i = v_old + (g * g - v_old) * one_minus_beta_2;
        m[i] = m_i;
        v[i] = v_i;
        var[i] -= ((m_i * c1 + g * c2) / (sqrt(v_i * v_corr) + epsilon)) * lr;
    }
)

/* keras AMSGrad: as keras AdamW (the decay step only when decay != 0), with vhat = maximum(vhat, v) in the
 * denominator */
LOOPS(keras_amsgrad,
    T *var = a[0], *m = a[1], *v = a[2], *vhat = a[3]; const T *grad = a[4];
    const T lr_t = (T)s[0], decay = (T)s[1], one_minus_beta_1 = (T)s[2], one_minus_beta_2 = (T)s[3],
            epsilon = (T)s[4];
    const int decays = s[1] != 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        const T g = grad[i], m_old = m[i], v_old = v[i], var_old = var[i];
        const T m_i = m_old + (g - m_old) * one_minus_beta_1;
        const T v_i = v_old + (g * g - v_old) * one_minus_beta_2;
        const T vhat_old = vhat[i];
        const T vhat_i = NP_MAXIMUM(vhat_old, v_i);
        m[i] = m_i;
        v[i] = v_i;
        vhat[i] = vhat_i;
        var[i] = (decays ? var_old - var_old * decay : var_old) - (m_i / (sqrt(vhat_i) + epsilon)) * lr_t;
    }
)

/* keras Lion: var -= sign(m * beta_1 + grad * (1 - beta_1)) * lr; m = m * beta_2 + grad * (1 - beta_2) */
LOOPS(keras_lion,
    T *var = a[0], *m = a[1]; const T *grad = a[2];
    const T lr = (T)s[0], beta_1 = (T)s[1], one_minus_beta_1 = (T)s[2], beta_2 = (T)s[3],
            one_minus_beta_2 = (T)s[4];
    for (Py_ssize_t i = 0; i < n; i++) {
        const T g = grad[i], m_old = m[i];
        const T direction = m_old * beta_1 + g * one_minus_beta_1;
        var[i] -= NP_SIGN(direction) * lr;
        m[i] = m_old * beta_2 + g * one_minus_beta_2;
    }
)

/* ---- argument checks, shared by every function ------------------------------------------------------- */

typedef struct {
    Py_buffer views[MAX_ARRAYS];
    int n_views;
    char kind;        /* 'f' or 'd' */
    Py_ssize_t length;
    double scalars[MAX_SCALARS];
} Args;

static void release(Args *a) {
    for (int i = 0; i < a->n_views; i++) PyBuffer_Release(&a->views[i]);
    a->n_views = 0;
}

static char kind_of(const Py_buffer *b) {
    const char *f = b->format ? b->format : "B";
    if (f[0] == '=' || f[0] == '@' || (f[0] == '<' && PY_LITTLE_ENDIAN) || (f[0] == '>' && PY_BIG_ENDIAN)) f++;
    if (strcmp(f, "f") == 0 && b->itemsize == 4) return 'f';
    if (strcmp(f, "d") == 0 && b->itemsize == 8) return 'd';
    return 0;
}

static const char *kind_name(char kind, const Py_buffer *b) {
    return kind == 'f' ? "float32" : kind == 'd' ? "float64" : b->format ? b->format : "bytes";
}

/* Fills ``a`` from ``args``: ``n_arrays`` buffers (the first ``n_written`` writable) then ``n_scalars`` floats. */
static int parse(const char *name, PyObject *const *args, Py_ssize_t nargs, int n_arrays, int n_written,
                 int n_scalars, Args *a) {
    a->n_views = 0;
    if (nargs != n_arrays + n_scalars) {
        PyErr_Format(PyExc_TypeError, "%s takes %d arrays and %d floats (%zd given)", name, n_arrays, n_scalars,
                     nargs);
        return -1;
    }
    for (int i = 0; i < n_arrays; i++) {
        int flags = PyBUF_FORMAT | PyBUF_C_CONTIGUOUS | (i < n_written ? PyBUF_WRITABLE : 0);
        if (PyObject_GetBuffer(args[i], &a->views[i], flags) < 0) {
            release(a);
            return -1;
        }
        a->n_views++;
        const Py_buffer *b = &a->views[i];
        char kind = kind_of(b);
        Py_ssize_t length = b->itemsize ? b->len / b->itemsize : 0;
        if (i == 0) {
            a->kind = kind;
            a->length = length;
        }
        if (!kind || kind != a->kind || length != a->length) {
            PyErr_Format(PyExc_TypeError, "%s: array %d is %s with %zd elements, array 0 %s with %zd: all must "
                         "be float32 or all float64, of one length", name, i, kind_name(kind, b), length,
                         kind_name(a->kind, &a->views[0]), a->length);
            release(a);
            return -1;
        }
    }
    for (int i = 0; i < n_scalars; i++) {
        a->scalars[i] = PyFloat_AsDouble(args[n_arrays + i]);
        if (a->scalars[i] == -1.0 && PyErr_Occurred()) {
            release(a);
            return -1;
        }
    }
    return 0;
}

/* Checks the arguments and runs the float or double loop without the GIL. */
static PyObject *call(const char *name, loop_fn f32, loop_fn f64, int n_arrays, int n_written, int n_scalars,
                      PyObject *const *args, Py_ssize_t nargs) {
    Args a;
    if (parse(name, args, nargs, n_arrays, n_written, n_scalars, &a) < 0) return NULL;
    void *pointers[MAX_ARRAYS];
    for (int i = 0; i < n_arrays; i++) pointers[i] = a.views[i].buf;
    loop_fn f = a.kind == 'f' ? f32 : f64;
    Py_BEGIN_ALLOW_THREADS
    f(pointers, a.length, a.scalars);
    Py_END_ALLOW_THREADS
    release(&a);
    Py_RETURN_NONE;
}

/* The Python function NAME(arrays..., floats...): N_ARRAYS arrays, the first N_WRITTEN written in place. */
#define FUNCTION(NAME, N_ARRAYS, N_WRITTEN, N_SCALARS)                                                       \
    static PyObject *NAME(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {                         \
        (void)self;                                                                                          \
        return call(#NAME, NAME##_float, NAME##_double, N_ARRAYS, N_WRITTEN, N_SCALARS, args, nargs);        \
    }
FUNCTION(sgd, 2, 1, 1)
FUNCTION(momentum, 3, 2, 2)
FUNCTION(nesterov_momentum, 3, 2, 2)
FUNCTION(adam, 4, 3, 6)
FUNCTION(adagrad, 3, 2, 1)
FUNCTION(rmsprop, 4, 3, 5)
FUNCTION(keras_rmsprop, 3, 2, 4)
FUNCTION(keras_adagrad, 3, 2, 2)
FUNCTION(keras_adamw, 4, 3, 5)
FUNCTION(centered_rmsprop, 5, 4, 5)
FUNCTION(keras_adadelta, 4, 3, 4)
FUNCTION(keras_adamax, 4, 3, 5)
FUNCTION(keras_nadam, 4, 3, 7)
FUNCTION(keras_amsgrad, 5, 4, 5)
FUNCTION(keras_lion, 3, 2, 5)

#define METHOD(NAME, DOC) {#NAME, (PyCFunction)(void (*)(void))NAME, METH_FASTCALL, #NAME DOC}
static PyMethodDef methods[] = {
    METHOD(sgd, "(var, grad, lr)"),
    METHOD(momentum, "(var, accum, grad, lr, momentum)"),
    METHOD(nesterov_momentum, "(var, accum, grad, lr, momentum)"),
    METHOD(adam, "(var, m, v, grad, lr_t, beta1, 1 - beta1, beta2, 1 - beta2, epsilon)"),
    METHOD(adagrad, "(var, accum, grad, lr)"),
    METHOD(rmsprop, "(var, ms, mom, grad, lr, decay, 1 - decay, momentum, epsilon)"),
    METHOD(keras_rmsprop, "(var, acc, grad, lr, rho, 1 - rho, epsilon)"),
    METHOD(keras_adagrad, "(var, acc, grad, lr, epsilon)"),
    METHOD(keras_adamw, "(var, m, v, grad, lr_t, decay, 1 - beta_1, 1 - beta_2, epsilon)"),
    METHOD(centered_rmsprop, "(var, ms, mg, mom, grad, lr, decay, 1 - decay, momentum, epsilon)"),
    METHOD(keras_adadelta, "(var, acc, delta, grad, lr, rho, 1 - rho, epsilon)"),
    METHOD(keras_adamax, "(var, m, u, grad, lr_t, beta_1, 1 - beta_1, beta_2, epsilon)"),
    METHOD(keras_nadam, "(var, m, v, grad, lr, c1, c2, v_corr, 1 - beta_1, 1 - beta_2, epsilon)"),
    METHOD(keras_amsgrad, "(var, m, v, vhat, grad, lr_t, decay, 1 - beta_1, 1 - beta_2, epsilon)"),
    METHOD(keras_lion, "(var, m, grad, lr, beta_1, 1 - beta_1, beta_2, 1 - beta_2)"),
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, .m_name = "_update_kernels",
    .m_doc = "Optimizer updates as single compiled loops (see compiled_updates.py).", .m_size = -1,
    .m_methods = methods,
};

PyMODINIT_FUNC PyInit__update_kernels(void) { return PyModule_Create(&module); }
