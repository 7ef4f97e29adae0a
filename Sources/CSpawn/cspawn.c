#define _GNU_SOURCE
#include "cspawn.h"

#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <unistd.h>

int cspawn_pipe(int fds[2]) {
    return pipe2(fds, O_CLOEXEC);
}

// posix_spawn_file_actions_addchdir_np (glibc 2.29+) is not visible to Swift's Glibc module,
// and Foundation's Process passes on the blocked signals of the thread that starts it. Only the
// three pipes reach the child: every other descriptor the service holds without close-on-exec
// (inherited from whoever started it) is closed, so a plugin cannot keep one open.
int cspawn_start(pid_t *pid, const char *path, const char *directory,
                 char *const argv[], char *const envp[], int in_fd, int out_fd, int err_fd) {
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attributes;
    int result = posix_spawn_file_actions_init(&actions);
    if (result != 0) return result;
    result = posix_spawnattr_init(&attributes);
    if (result != 0) {
        posix_spawn_file_actions_destroy(&actions);
        return result;
    }
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    if ((result = posix_spawn_file_actions_adddup2(&actions, in_fd, 0)) == 0
        && (result = posix_spawn_file_actions_adddup2(&actions, out_fd, 1)) == 0
        && (result = posix_spawn_file_actions_adddup2(&actions, err_fd, 2)) == 0
        && (result = posix_spawn_file_actions_addclosefrom_np(&actions, 3)) == 0
        && (result = posix_spawn_file_actions_addchdir_np(&actions, directory)) == 0
        && (result = posix_spawnattr_setsigmask(&attributes, &none)) == 0
        && (result = posix_spawnattr_setsigdefault(&attributes, &all)) == 0
        && (result = posix_spawnattr_setpgroup(&attributes, 0)) == 0
        && (result = posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP)) == 0) {
        result = posix_spawn(pid, path, &actions, &attributes, argv, envp);
    }
    posix_spawnattr_destroy(&attributes);
    posix_spawn_file_actions_destroy(&actions);
    return result;
}

int cspawn_become_subreaper(void) {
    return prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
}

int cspawn_trim_heap(void) {
    return malloc_trim(0);
}
