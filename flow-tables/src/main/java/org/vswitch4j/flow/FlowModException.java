package org.vswitch4j.flow;

import java.util.Objects;

/**
 * A flow, group or meter modification that the pipeline refuses: carries the OpenFlow error the
 * specification names for it, so the OpenFlow channel can answer with exactly that error, and a message for
 * an operator that says what was wrong and what is allowed.
 */
public final class FlowModException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final OfpError error;

    /** A refusal with the given OpenFlow error and operator message. */
    public FlowModException(OfpError error, String message) {
        super(Objects.requireNonNull(error, "error") + ": " + message);
        this.error = error;
    }

    /** The OpenFlow error to send to a controller. */
    public OfpError error() {
        return error;
    }
}
