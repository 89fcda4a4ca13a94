/* Running helper programs (nft, ip, wireguard-go, resolvconf, hook
 * commands) the way wg-quick does, without a shell unless asked for. */
#ifndef PQTUN_TUNNEL_EXEC_H
#define PQTUN_TUNNEL_EXEC_H

#include <stddef.h>

/* Run argv (argv[0] searched in PATH), feed `in` (inlen bytes, may be NULL)
 * to its stdin, wait for it. When out is non-NULL, stdout and stderr are
 * captured into out (NUL-terminated, truncated to outlen-1); otherwise they
 * go to /dev/null. Returns the exit status (0-255), 128+signal when killed,
 * or -1 if it could not be started (out then says why). */
int pqtun_run(char *const argv[], const char *in, size_t inlen, char *out, size_t outlen);

/* Like pqtun_run with printf-style building of a command line that is split
 * on spaces (no quoting: only for arguments pqtun built and validated
 * itself, never for user text). */
int pqtun_runf(char *out, size_t outlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Run `sh -c cmd` with the extra environment entries env[] ("NAME=value",
 * NULL-terminated, may be NULL) added. stdout/stderr are inherited so that
 * hook output reaches the user. Returns like pqtun_run. */
int pqtun_run_shell(const char *cmd, char *const env[]);

/* 1 if `prog` is found in PATH (or is an executable path), else 0. */
int pqtun_have_program(const char *prog);

#endif
