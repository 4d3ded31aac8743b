/* The common cases of guarded operations, decided in C.
 *
 * Ops(mul, grow, small): `ops.mul(a, b)` multiplies at once when the product cannot grow past what the
 * `*` guard (sandbox/python/_guards.py, Guards.mul) would let through anyway: both operands
 * exact float, int or complex with at least one float or complex, or two exact ints one of
 * which fits in 63 bits (the guard lets a factor below 2**64 through at any size of the
 * other). Everything else (subclasses, bools, sequences, script objects, two big ints) goes
 * to the guard it was built with, unchanged.
 *
 * `ops.grow(target, value)` is the value of `target[i:j] = value`: `value` itself when the
 * target is exactly a list and the value exactly a list or tuple with fewer than `small`
 * items in all (what the slice-assignment guard, Guards.grow, neither refuses nor counts),
 * else what `grow(target, value)` returns.
 *
 * Both only ever take a shortcut their guard would take: they never decide what the guard
 * would refuse.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

typedef struct {
    PyObject_HEAD
    PyObject *mul;     /* the guard: mul(a, b) */
    PyObject *grow;    /* the guard: grow(target, value) -> value */
    Py_ssize_t small;  /* fewer items than this in all: no slice guard */
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
ops_grow(OpsObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "grow() takes a target and a value");
        return NULL;
    }
    PyObject *target = args[0], *value = args[1];
    if (PyList_CheckExact(target)) {
        Py_ssize_t items = -1;
        if (PyList_CheckExact(value)) {
            items = PyList_GET_SIZE(value);
        }
        else if (PyTuple_CheckExact(value)) {
            items = PyTuple_GET_SIZE(value);
        }
        if (items >= 0 && PyList_GET_SIZE(target) + items < self->small) {
            Py_INCREF(value);
            return value;
        }
    }
    return PyObject_Vectorcall(self->grow, args, 2, NULL);
}

static PyObject *
ops_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    PyObject *mul, *grow;
    Py_ssize_t small;
    static char *kwlist[] = {"mul", "grow", "small", NULL};
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "OOn:Ops", kwlist, &mul, &grow, &small)) {
        return NULL;
    }
    if (!PyCallable_Check(mul) || !PyCallable_Check(grow)) {
        PyErr_SetString(PyExc_TypeError, "the guards must be callable");
        return NULL;
    }
    if (small < 0) {
        PyErr_SetString(PyExc_ValueError, "small must not be negative");
        return NULL;
    }
    OpsObject *self = (OpsObject *)type->tp_alloc(type, 0);
    if (self == NULL) {
        return NULL;
    }
    Py_INCREF(mul);
    self->mul = mul;
    Py_INCREF(grow);
    self->grow = grow;
    self->small = small;
    return (PyObject *)self;
}

static int
ops_traverse(OpsObject *self, visitproc visit, void *arg)
{
    Py_VISIT(self->mul);
    Py_VISIT(self->grow);
    return 0;
}

static int
ops_clear(OpsObject *self)
{
    Py_CLEAR(self->mul);
    Py_CLEAR(self->grow);
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
    {"grow", (PyCFunction)(void (*)(void))ops_grow, METH_FASTCALL,
     "grow(target, value): the value of target[i:j] = value, through the guard unless small."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject Ops_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "sandbox.python._fast_ops.Ops",
    .tp_basicsize = sizeof(OpsObject),
    .tp_dealloc = (destructor)ops_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_doc = "Guarded operations whose common cases run in C.",
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
    .m_doc = "The common cases of guarded operations, in C.",
    .m_size = 0,
    .m_slots = module_slots,
};

PyMODINIT_FUNC
PyInit__fast_ops(void)
{
    return PyModuleDef_Init(&module_def);
}
