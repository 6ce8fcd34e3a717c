/* Tests src/util/arena.c */
/* cmocka.h needs these first. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdalign.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/arena.h"

#define ALIGN 16 /* what arena.c promises: enough for any type on x86-64 and arm64 */

static void assert_aligned(const void *p)
{
    if ((uintptr_t)p % ALIGN != 0 || (uintptr_t)p % alignof(max_align_t) != 0)
        fail_msg("%p is not aligned", p);
}

static bool all_zero(const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return false;
    return true;
}

static void test_alignment_of_odd_sizes(void **state)
{
    struct arena a;
    arena_init(&a);
    for (size_t size = 0; size < 100; size++) {
        void *p = arena_alloc(&a, size);
        assert_non_null(p);
        assert_aligned(p);
        memset(p, 0xab, size);
    }
    /* A long double (16 bytes, 16-aligned) stored in arena memory. */
    long double *ld = arena_alloc(&a, sizeof(*ld));
    *ld = 1.5L;
    assert_true(*ld == 1.5L);
    arena_free(&a);
}

static void test_memory_is_zeroed_and_distinct(void **state)
{
    struct arena a;
    arena_init(&a);
    unsigned char *prev = NULL;
    for (int i = 0; i < 2000; i++) {
        size_t size = (size_t)(i % 37) + 1;
        unsigned char *p = arena_alloc(&a, size);
        assert_true(all_zero(p, size));
        memset(p, 0xff, size);
        if (prev)
            assert_ptr_not_equal(p, prev);
        prev = p;
    }
    arena_free(&a);
}

static void test_large_allocations(void **state)
{
    struct arena a;
    arena_init(&a);
    char *small1 = arena_strdup(&a, "before");
    size_t sizes[] = {8192, 8193, 100000, 1 << 20, 16 << 20};
    unsigned char *blocks[5];
    for (int i = 0; i < 5; i++) {
        blocks[i] = arena_alloc(&a, sizes[i]);
        assert_aligned(blocks[i]);
        assert_true(all_zero(blocks[i], sizes[i]));
        memset(blocks[i], i + 1, sizes[i]); /* every byte is writable */
    }
    char *small2 = arena_strdup(&a, "after");
    /* Nothing overlapped. */
    for (int i = 0; i < 5; i++) {
        assert_int_equal(blocks[i][0], i + 1);
        assert_int_equal(blocks[i][sizes[i] - 1], i + 1);
    }
    assert_string_equal(small1, "before");
    assert_string_equal(small2, "after");
    arena_free(&a);
}

static void test_fill_a_block_exactly(void **state)
{
    struct arena a;
    arena_init(&a);
    /* Allocations that land exactly on and just past block boundaries. */
    for (int i = 0; i < 64; i++) {
        unsigned char *p = arena_alloc(&a, 8192 / 4);
        memset(p, i, 8192 / 4);
    }
    unsigned char *q = arena_alloc(&a, 8192);
    memset(q, 1, 8192);
    unsigned char *r = arena_alloc(&a, 1);
    assert_int_equal(r[0], 0);
    arena_free(&a);
}

static void test_strings(void **state)
{
    struct arena a;
    arena_init(&a);
    assert_null(arena_strdup(&a, NULL));
    assert_string_equal(arena_strdup(&a, ""), "");
    char *s = arena_strndup(&a, "abcdef", 3);
    assert_string_equal(s, "abc");
    s = arena_strndup(&a, "a\0bc", 4); /* copies n bytes, NUL-terminates after them */
    assert_memory_equal(s, "a\0bc\0", 5);
    char *f = arena_sprintf(&a, "%s-%d-%05.1f", "x", 42, 3.14159);
    assert_string_equal(f, "x-42-003.1");
    assert_string_equal(arena_sprintf(&a, "%s", ""), "");
    arena_free(&a);
}

static void test_long_sprintf(void **state)
{
    struct arena a;
    arena_init(&a);
    char *big = malloc(50001);
    memset(big, 'y', 50000);
    big[50000] = '\0';
    char *s = arena_sprintf(&a, "<%s>", big);
    assert_int_equal(strlen(s), 50002);
    assert_int_equal(s[0], '<');
    assert_int_equal(s[50001], '>');
    free(big);
    arena_free(&a);
}

static void test_reuse_after_free(void **state)
{
    struct arena a;
    arena_init(&a);
    arena_free(&a); /* freeing an empty arena is fine */
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < 100; i++)
            arena_alloc(&a, 1000);
        arena_free(&a);
        assert_null(a.head);
    }
}

/* Runs arena_alloc(size) in a child process; true when it came back with memory. */
static bool alloc_returns_in_child(size_t size)
{
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        /* Silence the expected "out of memory" and sanitizer reports. */
        if (!freopen("/dev/null", "w", stderr))
            _exit(3);
        struct arena a;
        arena_init(&a);
        unsigned char *p = arena_alloc(&a, size);
        _exit(p != NULL ? 0 : 2);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static void test_impossible_sizes_abort(void **state)
{
    /* Sizes whose rounding or block header would wrap around must not come back as a
     * small block: the contract is to abort on out-of-memory. */
    assert_false(alloc_returns_in_child(SIZE_MAX));
    assert_false(alloc_returns_in_child(SIZE_MAX - 7));
    assert_false(alloc_returns_in_child(SIZE_MAX - 15));
    assert_false(alloc_returns_in_child(SIZE_MAX - 40));
    assert_false(alloc_returns_in_child(SIZE_MAX / 2));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alignment_of_odd_sizes),
        cmocka_unit_test(test_memory_is_zeroed_and_distinct),
        cmocka_unit_test(test_large_allocations),
        cmocka_unit_test(test_fill_a_block_exactly),
        cmocka_unit_test(test_strings),
        cmocka_unit_test(test_long_sprintf),
        cmocka_unit_test(test_reuse_after_free),
        cmocka_unit_test(test_impossible_sizes_abort),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
