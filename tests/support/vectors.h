/* Reader for the known-answer files in ../shared/vectors (format: see that
 * directory's README): blocks of "name = value" lines separated by blank
 * lines; '#' lines are comments. */
#ifndef PQTUN_TESTS_VECTORS_H
#define PQTUN_TESTS_VECTORS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define VEC_MAX_FIELDS 48

typedef struct {
	char *name;
	char *value;     /* as written */
	uint8_t *bytes;  /* hex-decoded when the value is hex, else NULL */
	size_t len;      /* decoded length */
} vec_field;

typedef struct {
	FILE *f;
	char *path;
	char *line;
	size_t cap;
	vec_field fields[VEC_MAX_FIELDS];
	size_t nfields;
	long count;      /* value of the block's count field */
	char comment[512]; /* the last comment line seen before the block */
} vec_file;

/* Directory of the vectors: $PQTUN_VECTORS_DIR, else ../shared/vectors
 * relative to the source tree (compiled in). */
const char *vec_dir(void);
/* Open <vec_dir>/<name>. Returns 0, or -1 with a message on stderr. */
int vec_open(vec_file *vf, const char *name);
/* Read the next test block (one with a count field). 1 = got one, 0 = EOF. */
int vec_next(vec_file *vf);
/* Field lookup in the current block; NULL if absent. */
const vec_field *vec_get(const vec_file *vf, const char *name);
/* Hex field that must exist; aborts the test run with a message if absent. */
const vec_field *vec_need(const vec_file *vf, const char *name);
void vec_close(vec_file *vf);

#endif
