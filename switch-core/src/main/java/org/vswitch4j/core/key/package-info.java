/**
 * The flow key: {@link org.vswitch4j.core.key.FlowKey} (fields extracted from a packet),
 * {@link org.vswitch4j.core.key.FlowMask} (which bits a decision consulted), {@link org.vswitch4j.core.key.FlowField}
 * (every field's name and place) and the parser that fills a key from a frame.
 */
package org.vswitch4j.core.key;
