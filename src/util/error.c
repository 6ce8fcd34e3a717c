#include "util/error.h"

#include <stdarg.h>
#include <stdio.h>

int err_set(struct error *e, enum err_kind kind, const char *code, const char *fmt, ...)
{
    if (e) {
        e->kind = kind;
        e->code = code;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(e->message, sizeof(e->message), fmt, ap);
        va_end(ap);
    }
    return -(int)kind;
}
