/**
 * FFM bindings (libc calls, the {@code bpf()} system call, kernel structure layouts) and the kernel-facing
 * pieces built on them: AF_XDP sockets and their rings, TAP file descriptors, the network-device ioctls,
 * network-namespace entry and the epoll thread that wakes idle poll threads. Not exported.
 */
package org.vswitch4j.io.linux.internal;
