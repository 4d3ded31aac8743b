/* The fuel stream in C: one counter, no Python frame per unit.
 *
 * Stream(refill): an endless iterator of True. Each pull uses one unit of the current chunk;
 * when the chunk is empty it calls refill() (Python: checks the call's budget and deadline)
 * for the next chunk's size, or lets refill's exception (the tripped limit) propagate. The
 * stream never ends and never breaks: a failed refill leaves the chunk empty, so the next
 * pull asks again.
 *
 * fueled(iterable, stream): iterates `iterable`, using one unit of `stream` per item after
 * the item is drawn: the same order, count and stop as itertools.compress(iterable, stream)
 * over a stream of True, without compress's pull through a second iterator per item.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

typedef struct {
    PyObject_HEAD
    Py_ssize_t left;   /* units left in the current chunk */
    PyObject *refill;  /* callable() -> int >= 1, or raises */
} StreamObject;

typedef struct {
    PyObject_HEAD
    PyObject *it;          /* the iterable's iterator */
    StreamObject *stream;  /* strong reference */
} FueledObject;

static PyTypeObject Stream_Type;
static PyTypeObject Fueled_Type;

/* Ask refill() for the next chunk and take one unit of it; 0 on success, -1 with an
 * exception set (the chunk stays empty). */
static int
stream_refill(StreamObject *s)
{
    /* Held for the call: the refill runs Python code. */
    PyObject *refill = s->refill;
    Py_INCREF(refill);
    PyObject *size_obj = PyObject_CallNoArgs(refill);
    Py_DECREF(refill);
    if (size_obj == NULL) {
        return -1;
    }
    Py_ssize_t size = PyLong_AsSsize_t(size_obj);
    Py_DECREF(size_obj);
    if (size == -1 && PyErr_Occurred()) {
        return -1;
    }
    if (size < 1) {
        PyErr_SetString(PyExc_ValueError, "a fuel chunk must hold at least one unit");
        return -1;
    }
    /* refill may have run code that pulled from this stream; its chunk replaces theirs. */
    s->left = size - 1;
    return 0;
}

static PyObject *
stream_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    PyObject *refill;
    static char *kwlist[] = {"refill", NULL};
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O:Stream", kwlist, &refill)) {
        return NULL;
    }
    if (!PyCallable_Check(refill)) {
        PyErr_SetString(PyExc_TypeError, "refill must be callable");
        return NULL;
    }
    StreamObject *s = (StreamObject *)type->tp_alloc(type, 0);
    if (s == NULL) {
        return NULL;
    }
    s->left = 0;
    Py_INCREF(refill);
    s->refill = refill;
    return (PyObject *)s;
}

static int
stream_traverse(StreamObject *s, visitproc visit, void *arg)
{
    Py_VISIT(s->refill);
    return 0;
}

static int
stream_clear(StreamObject *s)
{
    Py_CLEAR(s->refill);
    return 0;
}

static void
stream_dealloc(StreamObject *s)
{
    PyObject_GC_UnTrack(s);
    stream_clear(s);
    Py_TYPE(s)->tp_free((PyObject *)s);
}

static PyObject *
stream_next(StreamObject *s)
{
    if (s->left > 0) {
        s->left--;
        Py_RETURN_TRUE;
    }
    if (s->refill == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "the fuel stream is closed");
        return NULL;
    }
    if (stream_refill(s) < 0) {
        return NULL;
    }
    Py_RETURN_TRUE;
}

/* stream.step(): use one unit (a function's entry: one call, nothing to look up). */
static PyObject *
stream_step(StreamObject *s, PyObject *const *Py_UNUSED(args), Py_ssize_t nargs)
{
    if (nargs != 0) {
        PyErr_SetString(PyExc_TypeError, "step() takes no arguments");
        return NULL;
    }
    if (s->left > 0) {
        s->left--;
        Py_RETURN_NONE;
    }
    PyObject *unit = stream_next(s);
    if (unit == NULL) {
        return NULL;
    }
    Py_DECREF(unit);
    Py_RETURN_NONE;
}

/* stream.take(n): use n units, exactly as n pulls would (the same refills at the same
 * points), without a call per unit. */
static PyObject *
stream_take(StreamObject *s, PyObject *arg)
{
    Py_ssize_t n = PyLong_AsSsize_t(arg);
    if (n == -1 && PyErr_Occurred()) {
        return NULL;
    }
    while (n > 0) {
        if (s->left >= n) {
            s->left -= n;
            break;
        }
        n -= s->left;
        s->left = 0;
        if (s->refill == NULL) {
            PyErr_SetString(PyExc_RuntimeError, "the fuel stream is closed");
            return NULL;
        }
        if (stream_refill(s) < 0) {
            return NULL;
        }
        n -= 1; /* the refill's chunk gave this pull its unit */
    }
    Py_RETURN_NONE;
}

static PyObject *
stream_remaining(StreamObject *s, PyObject *Py_UNUSED(ignored))
{
    return PyLong_FromSsize_t(s->left);
}

static PyObject *
stream_drop(StreamObject *s, PyObject *Py_UNUSED(ignored))
{
    s->left = 0;
    Py_RETURN_NONE;
}

static PyMethodDef stream_methods[] = {
    {"step", (PyCFunction)(void (*)(void))stream_step, METH_FASTCALL,
     "Use one unit (what a function's entry does)."},
    {"take", (PyCFunction)stream_take, METH_O,
     "Use n units, as n pulls would."},
    {"remaining", (PyCFunction)stream_remaining, METH_NOARGS,
     "Units left in the current chunk."},
    {"__length_hint__", (PyCFunction)stream_remaining, METH_NOARGS,
     "Units left in the current chunk."},
    {"drop", (PyCFunction)stream_drop, METH_NOARGS,
     "Empty the current chunk: the next pull asks refill() again."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject Stream_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "sandbox.python._fuel_stream.Stream",
    .tp_basicsize = sizeof(StreamObject),
    .tp_dealloc = (destructor)stream_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_doc = "An endless iterator of True drawing chunks of fuel from refill().",
    .tp_traverse = (traverseproc)stream_traverse,
    .tp_clear = (inquiry)stream_clear,
    .tp_iter = PyObject_SelfIter,
    .tp_iternext = (iternextfunc)stream_next,
    .tp_methods = stream_methods,
    .tp_new = stream_new,
};

static int
fueled_traverse(FueledObject *f, visitproc visit, void *arg)
{
    Py_VISIT(f->it);
    Py_VISIT(f->stream);
    return 0;
}

static int
fueled_clear(FueledObject *f)
{
    Py_CLEAR(f->it);
    Py_CLEAR(f->stream);
    return 0;
}

static void
fueled_dealloc(FueledObject *f)
{
    PyObject_GC_UnTrack(f);
    fueled_clear(f);
    Py_TYPE(f)->tp_free((PyObject *)f);
}

static PyObject *
fueled_next(FueledObject *f)
{
    PyObject *it = f->it;
    StreamObject *s = f->stream;
    if (it == NULL || s == NULL) {
        return NULL;
    }
    PyObject *item = (*Py_TYPE(it)->tp_iternext)(it);
    if (item == NULL) {
        return NULL;
    }
    if (s->left > 0) {
        s->left--;
        return item;
    }
    if (s->refill == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "the fuel stream is closed");
        Py_DECREF(item);
        return NULL;
    }
    /* The refill runs Python code: hold the stream while it does. */
    Py_INCREF(s);
    int failed = stream_refill(s);
    Py_DECREF(s);
    if (failed) {
        Py_DECREF(item);
        return NULL;
    }
    return item;
}

static PyTypeObject Fueled_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "sandbox.python._fuel_stream.fueled",
    .tp_basicsize = sizeof(FueledObject),
    .tp_dealloc = (destructor)fueled_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_doc = "An iterable's items, one unit of fuel each.",
    .tp_traverse = (traverseproc)fueled_traverse,
    .tp_clear = (inquiry)fueled_clear,
    .tp_iter = PyObject_SelfIter,
    .tp_iternext = (iternextfunc)fueled_next,
};

/* fueled(iterable, stream) */
static PyObject *
fueled(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "fueled() takes an iterable and a stream");
        return NULL;
    }
    if (!PyObject_TypeCheck(args[1], &Stream_Type)) {
        PyErr_SetString(PyExc_TypeError, "fueled() needs a fuel stream");
        return NULL;
    }
    PyObject *it = PyObject_GetIter(args[0]);
    if (it == NULL) {
        return NULL;
    }
    FueledObject *f = PyObject_GC_New(FueledObject, &Fueled_Type);
    if (f == NULL) {
        Py_DECREF(it);
        return NULL;
    }
    f->it = it;
    Py_INCREF(args[1]);
    f->stream = (StreamObject *)args[1];
    PyObject_GC_Track(f);
    return (PyObject *)f;
}

static PyMethodDef module_methods[] = {
    {"fueled", (PyCFunction)(void (*)(void))fueled, METH_FASTCALL,
     "fueled(iterable, stream): the iterable's items, one unit of the stream's fuel each."},
    {NULL, NULL, 0, NULL},
};

static int
module_exec(PyObject *module)
{
    if (PyType_Ready(&Stream_Type) < 0 || PyType_Ready(&Fueled_Type) < 0) {
        return -1;
    }
    Py_INCREF(&Stream_Type);
    if (PyModule_AddObject(module, "Stream", (PyObject *)&Stream_Type) < 0) {
        Py_DECREF(&Stream_Type);
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
    .m_name = "sandbox.python._fuel_stream",
    .m_doc = "The fuel stream and fueled loops, counted in C.",
    .m_size = 0,
    .m_methods = module_methods,
    .m_slots = module_slots,
};

PyMODINIT_FUNC
PyInit__fuel_stream(void)
{
    return PyModuleDef_Init(&module_def);
}
