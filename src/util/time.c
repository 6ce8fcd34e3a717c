#include "util/time.h"

#include <ctype.h>
#include <time.h>

int64_t time_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t time_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int two_digits(const char *s)
{
    if (!isdigit((unsigned char)s[0]) || !isdigit((unsigned char)s[1]))
        return -1;
    return (s[0] - '0') * 10 + (s[1] - '0');
}

int time_parse_hms(const char *s)
{
    if (!s || s[0] == '\0' || s[1] == '\0' || s[2] != ':' || s[3] == '\0' || s[4] == '\0' ||
        s[5] != ':' || s[6] == '\0' || s[7] == '\0' || s[8] != '\0')
        return -1;
    int h = two_digits(s), m = two_digits(s + 3), sec = two_digits(s + 6);
    if (h < 0 || m < 0 || sec < 0 || h > 23 || m > 59 || sec > 59)
        return -1;
    return h * 3600 + m * 60 + sec;
}
