// SPDX-License-Identifier: GPL-2.0
/* Test helper: exits at once with status 0, opening no file (built static
 * too: the fastest interpreter for a #! script that never reads it). */
int main(void)
{
	return 0;
}
