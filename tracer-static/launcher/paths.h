#ifndef SB_PATHS_H
#define SB_PATHS_H

/* Why path cannot name a file inside a bundle's payload (it must be absolute and must not climb
 * out with ".."), or NULL when it can. */
const char *payload_path_error(const char *path);

/* The running program's own file, symlinks resolved, into buf (PATH_MAX bytes); exits with `code`
 * when /proc cannot tell. */
void self_exe(char *buf, int code);

#endif
