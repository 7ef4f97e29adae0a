#ifndef CSPAWN_H
#define CSPAWN_H

#include <sys/types.h>

/// Starts `path` with `argv` and `envp` in `directory`, as the leader of a new process group,
/// with every signal at its default disposition and none blocked, and with `in_fd`, `out_fd`
/// and `err_fd` as its standard input, output and error, and no other descriptor of the caller.
/// Returns 0 or an errno value.
int cspawn_start(pid_t *pid, const char *path, const char *directory,
                 char *const argv[], char *const envp[], int in_fd, int out_fd, int err_fd);

/// A pipe whose two ends close on exec (`pipe2` with `O_CLOEXEC`). Returns 0 or -1 with errno.
int cspawn_pipe(int fds[2]);

/// Makes the calling process the child subreaper of its descendants (`PR_SET_CHILD_SUBREAPER`):
/// a process whose parent dies is re-parented to it rather than to init, so it can be ended.
/// `prctl` is variadic and so not callable from Swift. Returns 0 or -1 with errno.
int cspawn_become_subreaper(void);

/// Gives the free memory in glibc's arenas back to the kernel (`malloc_trim(0)`): `malloc.h` is
/// not part of the Glibc module Swift imports. Returns 1 when some was given back.
int cspawn_trim_heap(void);

#endif
