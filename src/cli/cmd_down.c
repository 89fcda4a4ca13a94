/* pqtun down: placeholder until its issue lands; says so plainly. */
#include "cli/commands.h"

void usage_down(FILE *out)
{
	fprintf(out, "Usage: pqtun down ...\n(not available in this build yet)\n");
}

int cmd_down(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return cli_failure("down", "not available in this build yet");
}
