package org.vswitch4j.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.vswitch4j.flow.ofctl.Ofctl;

class SharedInstructionsTest {
    @Test
    void equalInstructionsAreOneObjectAndDistinctOnesStayApart() {
        SharedInstructions s = new SharedInstructions();
        Instructions a = Instructions.apply(Action.Output.to(2));
        Instructions b = Instructions.apply(Action.Output.to(2));
        Instructions c = Instructions.apply(Action.Output.to(3));
        assertNotSame(a, b);
        assertSame(a, s.share(a));
        assertSame(a, s.share(b));
        assertSame(c, s.share(c));
        assertEquals(2, s.size());
    }

    @Test
    void theTableStartsOverAtItsLimitAndStillReturnsEqualInstructions() {
        SharedInstructions s = new SharedInstructions();
        for (int i = 0; i < SharedInstructions.LIMIT + 10; i++) {
            Instructions in = Instructions.apply(Action.Output.to(1 + i));
            Instructions got = s.share(in);
            assertEquals(in, got);
            assertTrue(s.size() <= SharedInstructions.LIMIT);
        }
        assertEquals(10, s.size()); // started over once, at LIMIT distinct
    }

    @Test
    void entriesAddedWithEqualInstructionsHoldOneObjectAndModifyKeepsTheRest() {
        try (Rig r = new Rig(3)) {
        FlowPipeline p = r.of;
        p.apply(List.of(
                Ofctl.parseFlow("table=0,priority=10,ip,nw_dst=192.0.2.1 actions=output:2", FlowMod.Command.ADD),
                Ofctl.parseFlow("table=0,priority=10,ip,nw_dst=192.0.2.2 actions=output:2", FlowMod.Command.ADD),
                Ofctl.parseFlow("table=0,priority=10,ip,nw_dst=192.0.2.3 actions=output:3", FlowMod.Command.ADD)));
        List<FlowEntry> es = p.table(0).entries(Long.MAX_VALUE - 1); // every version after the adds
        FlowEntry e1 = find(es, "192.0.2.1");
        FlowEntry e2 = find(es, "192.0.2.2");
        FlowEntry e3 = find(es, "192.0.2.3");
        assertSame(e1.instructions, e2.instructions);
        assertNotSame(e1.instructions, e3.instructions);
        // A modify of one entry gives it the other instructions, and leaves the entry that shared them alone.
        p.apply(Ofctl.parseFlow("table=0,priority=10,ip,nw_dst=192.0.2.1 actions=output:3",
                FlowMod.Command.MODIFY_STRICT));
        assertSame(e3.instructions, e1.instructions);
        assertEquals(Instructions.apply(Action.Output.to(2)), e2.instructions);
        }
    }

    private static FlowEntry find(List<FlowEntry> es, String dst) {
        Match m = Ofctl.parseFlow("table=0,priority=10,ip,nw_dst=" + dst + " actions=drop", FlowMod.Command.ADD).match();
        for (FlowEntry e : es) {
            if (e.match.equals(m)) {
                return e;
            }
        }
        throw new AssertionError("no entry for " + dst + " in " + es);
    }
}
