/**
 * The fast path: per-thread exact-match cache, megaflow cache (tuple-space search), datapath actions, poll
 * threads and the synchronous driver; and its boundary with the slow path, {@link org.vswitch4j.core.datapath.Pipeline}.
 */
package org.vswitch4j.core.datapath;
