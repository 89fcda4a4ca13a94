/* pqtun bench: placeholder until its issue lands; says so plainly. */
#include "cli/commands.h"

void usage_bench(FILE *out)
{
	fprintf(out, "Usage: pqtun bench ...\n(not available in this build yet)\n");
}

int cmd_bench(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return cli_failure("bench", "not available in this build yet");
}
