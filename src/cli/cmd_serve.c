/* pqtun serve: placeholder until its issue lands; says so plainly. */
#include "cli/commands.h"

void usage_serve(FILE *out)
{
	fprintf(out, "Usage: pqtun serve ...\n(not available in this build yet)\n");
}

int cmd_serve(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return cli_failure("serve", "not available in this build yet");
}
