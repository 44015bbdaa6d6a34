package org.vswitch4j.core.datapath;

import org.vswitch4j.core.packet.Packet;

/**
 * Where {@link DatapathAction.Userspace} hands packets to code above the datapath: packet-ins to an OpenFlow
 * controller, samples to a monitor.
 *
 * <p>Called on the poll thread, in the middle of the packet's actions: an implementation copies what it needs
 * (the packet's buffer stays the datapath's and changes after the call), hands the copy to a bounded queue and
 * returns at once; when the queue is full it drops and counts, never blocks.
 */
public interface PacketSink {
    /**
     * Takes a look at {@code packet} (read-only; valid during the call only), as edited by the actions before
     * this one; {@code cookie} is the value the pipeline put in the action.
     */
    void accept(Packet packet, long cookie);
}
