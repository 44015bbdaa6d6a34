package org.vswitch4j.flow;

import org.vswitch4j.core.datapath.PacketSink;
import org.vswitch4j.core.packet.Packet;

/**
 * The datapath end of a controller action: on the poll thread, copies the packet (up to {@code maxLen}) into a
 * {@link PacketIn} and offers it to the pipeline's bounded packet-in queue (full: dropped and counted). A record,
 * so that re-translations of the same decision compare equal and keep their megaflow.
 */
record ControllerSink(FlowPipeline pipe, PacketIn.Reason reason, int table, long cookie, int maxLen,
        int controllerId, byte[] userdata) implements PacketSink {

    @Override
    public void accept(Packet packet, long ignored) {
        int len = packet.length();
        int n = Math.min(len, maxLen);
        byte[] data = new byte[n];
        packet.read(0, data, 0, n);
        pipe.offerPacketIn(new PacketIn(data, len, packet.inPort(), table, cookie, reason, controllerId,
                userdata.length == 0 ? userdata : userdata.clone()));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ControllerSink c && c.pipe == pipe && c.reason == reason && c.table == table
                && c.cookie == cookie && c.maxLen == maxLen && c.controllerId == controllerId
                && java.util.Arrays.equals(c.userdata, userdata);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(System.identityHashCode(pipe), reason, table, cookie, maxLen, controllerId,
                java.util.Arrays.hashCode(userdata));
    }

    @Override
    public String toString() {
        return "controller(reason=" + reason.name().toLowerCase(java.util.Locale.ROOT) + ",table=" + table
                + ",max_len=" + maxLen + (controllerId != 0 ? ",id=" + controllerId : "")
                + (userdata.length > 0 ? ",userdata=" + java.util.HexFormat.ofDelimiter(".").formatHex(userdata) : "")
                + ")";
    }
}
