/* pqtun status: placeholder until its issue lands; says so plainly. */
#include "cli/commands.h"

void usage_status(FILE *out)
{
	fprintf(out, "Usage: pqtun status ...\n(not available in this build yet)\n");
}

int cmd_status(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return cli_failure("status", "not available in this build yet");
}
