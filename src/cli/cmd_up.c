/* pqtun up: placeholder until its issue lands; says so plainly. */
#include "cli/commands.h"

void usage_up(FILE *out)
{
	fprintf(out, "Usage: pqtun up ...\n(not available in this build yet)\n");
}

int cmd_up(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return cli_failure("up", "not available in this build yet");
}
