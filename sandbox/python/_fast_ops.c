/* The common case of a guarded `*`, decided in C.
 *
 * Ops(mul): `ops.mul(a, b)` multiplies at once when the product cannot grow past what the
 * `*` guard (sandbox/python/_guards.py, Guards.mul) would let through anyway: both operands
 * exact float, int or complex with at least one float or complex, or two exact ints one of
 * which fits in 63 bits (the guard lets a factor below 2**64 through at any size of the
 * other). Everything else (subclasses, bools, sequences, script objects, two big ints) goes
 * to the guard it was built with, unchanged. This only ever takes a shortcut the guard
 * would take: it never decides what the guard would refuse.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

typedef struct {
    PyObject_HEAD
    PyObject *mul;  /* the guard: mul(a, b) */
} OpsObject;

static PyTypeObject Ops_Type;

/* An exact int within 63 bits (the overflow flag says it is wider). */
static int
fits_63(PyObject *x)
{
    int overflow = 0;
    long long v = PyLong_AsLongLongAndOverflow(x, &overflow);
    if (v == -1 && PyErr_Occurred()) {
        PyErr_Clear();
        return 0;
    }
    return overflow == 0;
}

static int
is_number(PyTypeObject *t)
{
    return t == &PyFloat_Type || t == &PyLong_Type || t == &PyComplex_Type;
}

static PyObject *
ops_mul(OpsObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "mul() takes two operands");
        return NULL;
    }
    PyObject *a = args[0], *b = args[1];
    PyTypeObject *ta = Py_TYPE(a), *tb = Py_TYPE(b);
    if (is_number(ta) && is_number(tb)) {
        if (ta != &PyLong_Type || tb != &PyLong_Type || fits_63(a) || fits_63(b)) {
            return PyNumber_Multiply(a, b);
        }
    }
    return PyObject_Vectorcall(self->mul, args, 2, NULL);
}

static PyObject *
ops_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    PyObject *mul;
    static char *kwlist[] = {"mul", NULL};
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O:Ops", kwlist, &mul)) {
        return NULL;
    }
    if (!PyCallable_Check(mul)) {
        PyErr_SetString(PyExc_TypeError, "the guard must be callable");
        return NULL;
    }
    OpsObject *self = (OpsObject *)type->tp_alloc(type, 0);
    if (self == NULL) {
        return NULL;
    }
    Py_INCREF(mul);
    self->mul = mul;
    return (PyObject *)self;
}

static int
ops_traverse(OpsObject *self, visitproc visit, void *arg)
{
    Py_VISIT(self->mul);
    return 0;
}

static int
ops_clear(OpsObject *self)
{
    Py_CLEAR(self->mul);
    return 0;
}

static void
ops_dealloc(OpsObject *self)
{
    PyObject_GC_UnTrack(self);
    ops_clear(self);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyMethodDef ops_methods[] = {
    {"mul", (PyCFunction)(void (*)(void))ops_mul, METH_FASTCALL,
     "mul(a, b): a * b, through the guard unless it is a number product the guard lets by."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject Ops_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "sandbox.python._fast_ops.Ops",
    .tp_basicsize = sizeof(OpsObject),
    .tp_dealloc = (destructor)ops_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_doc = "Guarded operators whose common number cases run in C.",
    .tp_traverse = (traverseproc)ops_traverse,
    .tp_clear = (inquiry)ops_clear,
    .tp_methods = ops_methods,
    .tp_new = ops_new,
};

static int
module_exec(PyObject *module)
{
    if (PyType_Ready(&Ops_Type) < 0) {
        return -1;
    }
    Py_INCREF(&Ops_Type);
    if (PyModule_AddObject(module, "Ops", (PyObject *)&Ops_Type) < 0) {
        Py_DECREF(&Ops_Type);
        return -1;
    }
    return 0;
}

static PyModuleDef_Slot module_slots[] = {
    {Py_mod_exec, module_exec},
    {0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT,
    .m_name = "sandbox.python._fast_ops",
    .m_doc = "The common number cases of guarded operators, in C.",
    .m_size = 0,
    .m_slots = module_slots,
};

PyMODINIT_FUNC
PyInit__fast_ops(void)
{
    return PyModuleDef_Init(&module_def);
}
