/* pqtun genkey / pubkey / genpsk: the WireGuard key tools, with the same
 * input and output formats as `wg genkey`, `wg pubkey`, `wg genpsk`. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/commands.h"
#include "pqtun/wgkey.h"
#include "util/encoding.h"
#include "util/mem.h"

void usage_genkey(FILE *out)
{
	fprintf(out, "Usage: pqtun genkey\n\n"
		     "Print a new random WireGuard private key (base64) on stdout.\n"
		     "Example: umask 077; pqtun genkey > private.key\n");
}

void usage_genpsk(FILE *out)
{
	fprintf(out, "Usage: pqtun genpsk\n\n"
		     "Print 32 random bytes (base64), usable as a classic WireGuard\n"
		     "PresharedKey. This is not post-quantum; see 'pqtun exchange'.\n");
}

void usage_pubkey(FILE *out)
{
	fprintf(out, "Usage: pqtun pubkey < private.key\n\n"
		     "Read a base64 private key on stdin and print its public key.\n");
}

/* Any argument other than -h/--help is a usage error for these tools. */
static int no_args(const char *cmd, int argc, char **argv, void (*u)(FILE *), int *rc)
{
	if (argc == 1)
		return 0;
	if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		u(stdout);
		*rc = PQTUN_EXIT_OK;
	} else {
		*rc = cli_usage_error(cmd, "takes no arguments");
	}
	return 1;
}

/* Keys go to stdout; like wg, refuse nothing but warn when that is a file
 * others can read, and make sure nothing we create is. */
static void warn_if_world_readable(void)
{
	struct stat st;
	if (fstat(STDOUT_FILENO, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & S_IRWXO))
		fprintf(stderr, "Warning: writing to world accessible file.\n"
				"Consider setting the umask to 077 and trying again.\n");
}

static int print_key(const char *cmd, const uint8_t key[32])
{
	char b64[PQTUN_KEY_B64_LEN + 1];
	pqtun_key_to_base64(b64, key);
	int ok = printf("%s\n", b64) > 0 && fflush(stdout) == 0;
	pqtun_memzero(b64, sizeof(b64));
	if (!ok)
		return cli_failure(cmd, "cannot write to stdout: %s", strerror(errno));
	return PQTUN_EXIT_OK;
}

static int gen_random_key(const char *cmd, int argc, char **argv, int clamp, void (*u)(FILE *))
{
	uint8_t key[32];
	int rc;
	if (no_args(cmd, argc, argv, u, &rc))
		return rc;
	umask(077);
	warn_if_world_readable();
	if ((clamp ? pqtun_wg_genkey(key) : pqtun_wg_genpsk(key)) != 0)
		return cli_failure(cmd, "cannot get random bytes: %s", strerror(errno));
	rc = print_key(cmd, key);
	pqtun_memzero(key, sizeof(key));
	return rc;
}

int cmd_genkey(int argc, char **argv)
{
	return gen_random_key("genkey", argc, argv, 1, usage_genkey);
}

int cmd_genpsk(int argc, char **argv)
{
	return gen_random_key("genpsk", argc, argv, 0, usage_genpsk);
}

int cmd_pubkey(int argc, char **argv)
{
	char buf[PQTUN_KEY_B64_LEN + 4];
	uint8_t priv[32], pub[32];
	int rc;

	if (no_args("pubkey", argc, argv, usage_pubkey, &rc))
		return rc;
	/* Exactly 44 base64 characters, optionally followed by one line end
	 * ("\n" or "\r\n"); anything else is rejected. */
	size_t n = fread(buf, 1, sizeof(buf) - 1, stdin);
	if (ferror(stdin)) {
		pqtun_memzero(buf, sizeof(buf));
		return cli_failure("pubkey", "cannot read stdin: %s", strerror(errno));
	}
	buf[n] = '\0';
	if (n > PQTUN_KEY_B64_LEN && buf[n - 1] == '\n')
		buf[--n] = '\0';
	if (n > PQTUN_KEY_B64_LEN && buf[n - 1] == '\r')
		buf[--n] = '\0';
	int extra = getc(stdin) != EOF;
	if (n != PQTUN_KEY_B64_LEN || extra || pqtun_key_from_base64(priv, buf) != 0) {
		pqtun_memzero(buf, sizeof(buf));
		return cli_failure("pubkey", "key is not the correct length or format "
			"(expected one base64 key of 44 characters)");
	}
	pqtun_memzero(buf, sizeof(buf));
	if (pqtun_wg_pubkey(pub, priv) != 0) {
		pqtun_memzero(priv, sizeof(priv));
		return cli_failure("pubkey", "invalid private key");
	}
	pqtun_memzero(priv, sizeof(priv));
	return print_key("pubkey", pub);
}
