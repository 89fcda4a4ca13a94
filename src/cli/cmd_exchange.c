/* pqtun exchange: placeholder until its issue lands; says so plainly. */
#include "cli/commands.h"

void usage_exchange(FILE *out)
{
	fprintf(out, "Usage: pqtun exchange ...\n(not available in this build yet)\n");
}

int cmd_exchange(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return cli_failure("exchange", "not available in this build yet");
}
