#define _GNU_SOURCE
#include "vectors.h"

#include <stdlib.h>
#include <string.h>

#ifndef PQTUN_DEFAULT_VECTORS_DIR
#define PQTUN_DEFAULT_VECTORS_DIR "../shared/vectors"
#endif

const char *vec_dir(void)
{
	const char *e = getenv("PQTUN_VECTORS_DIR");
	return e && *e ? e : PQTUN_DEFAULT_VECTORS_DIR;
}

int vec_open(vec_file *vf, const char *name)
{
	memset(vf, 0, sizeof(*vf));
	if (asprintf(&vf->path, "%s/%s", vec_dir(), name) < 0)
		return -1;
	vf->f = fopen(vf->path, "r");
	if (!vf->f) {
		fprintf(stderr, "cannot open vector file %s\n", vf->path);
		free(vf->path);
		vf->path = NULL;
		return -1;
	}
	return 0;
}

static void clear_fields(vec_file *vf)
{
	for (size_t i = 0; i < vf->nfields; i++) {
		free(vf->fields[i].name);
		free(vf->fields[i].value);
		free(vf->fields[i].bytes);
	}
	memset(vf->fields, 0, sizeof(vf->fields));
	vf->nfields = 0;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	return -1;
}

static void decode_hex(vec_field *fl)
{
	size_t n = strlen(fl->value);
	if (n == 0 || n % 2)
		return;
	uint8_t *b = malloc(n / 2);
	for (size_t i = 0; i < n / 2; i++) {
		int hi = hexval(fl->value[2 * i]), lo = hexval(fl->value[2 * i + 1]);
		if (hi < 0 || lo < 0) {
			free(b);
			return;
		}
		b[i] = (uint8_t)(hi << 4 | lo);
	}
	fl->bytes = b;
	fl->len = n / 2;
}

int vec_next(vec_file *vf)
{
	ssize_t n;
	clear_fields(vf);
	vf->count = -1;
	for (;;) {
		n = getline(&vf->line, &vf->cap, vf->f);
		if (n < 0)
			return vf->nfields && vf->count >= 0;
		while (n > 0 && (vf->line[n - 1] == '\n' || vf->line[n - 1] == '\r'))
			vf->line[--n] = '\0';
		if (n == 0) {
			if (vf->nfields && vf->count >= 0)
				return 1;
			clear_fields(vf); /* header block or stray */
			continue;
		}
		if (vf->line[0] == '#') {
			snprintf(vf->comment, sizeof(vf->comment), "%s", vf->line);
			continue;
		}
		char *eq = strstr(vf->line, " = ");
		if (!eq || vf->nfields == VEC_MAX_FIELDS)
			continue;
		*eq = '\0';
		vec_field *fl = &vf->fields[vf->nfields++];
		fl->name = strdup(vf->line);
		fl->value = strdup(eq + 3);
		if (strcmp(fl->name, "count") == 0)
			vf->count = strtol(fl->value, NULL, 10);
		else
			decode_hex(fl);
	}
}

const vec_field *vec_get(const vec_file *vf, const char *name)
{
	for (size_t i = 0; i < vf->nfields; i++)
		if (strcmp(vf->fields[i].name, name) == 0)
			return &vf->fields[i];
	return NULL;
}

const vec_field *vec_need(const vec_file *vf, const char *name)
{
	const vec_field *fl = vec_get(vf, name);
	if (!fl) {
		fprintf(stderr, "%s: count %ld: missing field %s\n", vf->path, vf->count, name);
		abort();
	}
	return fl;
}

void vec_close(vec_file *vf)
{
	clear_fields(vf);
	if (vf->f)
		fclose(vf->f);
	free(vf->line);
	free(vf->path);
	memset(vf, 0, sizeof(*vf));
}
