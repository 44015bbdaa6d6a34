/**
 * The NORMAL learning bridge: {@link org.vswitch4j.core.bridge.Bridge} (the datapath pipeline that does what the
 * Linux bridge and Open vSwitch's {@code NORMAL} action do), its ports' 802.1Q configuration
 * ({@link org.vswitch4j.core.bridge.BridgePortConfig}, {@link org.vswitch4j.core.bridge.VlanMode},
 * {@link org.vswitch4j.core.bridge.PriorityTags}) and its MAC learning table
 * ({@link org.vswitch4j.core.bridge.MacTable}).
 *
 * <p>Everything here is slow path: it runs on upcalls and revalidations under the datapath's slow-path lock, and
 * its decisions are cached by the datapath as megaflows.
 */
package org.vswitch4j.core.bridge;
