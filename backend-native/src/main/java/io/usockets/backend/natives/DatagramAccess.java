package io.usockets.backend.natives;

import io.netty.channel.epoll.Native;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.invoke.VarHandle;
import java.lang.reflect.Array;

/**
 * The one place that reaches Netty's package-private datagram pieces: {@code recvmmsg} and {@code sendmmsg} over an
 * array of {@code NativeDatagramPacketArray.NativeDatagramPacket}s.
 *
 * <p>Netty's JNI reads each packet's fields (iovec address and count, recipient address bytes, length, scope and port,
 * segment size) before {@code sendmmsg}, and after {@code recvmmsg} writes the received length into {@code count} and
 * the sender into the sender fields (4 bytes for IPv4 and IPv4-mapped senders, 16 for IPv6). The address arrays are
 * 16 bytes and final, so they are read once per packet. The private static natives {@code recvmmsg0} and
 * {@code sendmmsg0} return a negative errno instead of throwing, so EAGAIN costs no exception. Everything is looked
 * up once with {@link MethodHandles#privateLookupIn} and called through constant handles: a call allocates nothing.
 *
 * <p>If anything is missing (a Netty upgrade renamed it, the kernel lacks the calls, or on the module path the package
 * is not open: {@link EpollAccess#ADD_OPENS}), {@link #unavailableReason()} says why and the datagram operations send
 * and receive one datagram per call through Netty's public {@code Socket} methods instead (logged once when a loop is
 * created). A Netty upgrade degrades UDP, never breaks it.
 */
final class DatagramAccess {

    private static final String REASON;
    private static final Class<?> PACKET;
    private static final MethodHandle NEW_PACKET;
    private static final Object OUTER;
    private static final MethodHandle RECVMMSG;
    private static final MethodHandle SENDMMSG;
    private static final MethodHandle SET_MEMORY_ADDRESS;
    private static final MethodHandle SET_COUNT;
    private static final MethodHandle GET_COUNT;
    private static final MethodHandle GET_SENDER_ADDR;
    private static final MethodHandle GET_SENDER_ADDR_LEN;
    private static final MethodHandle GET_SENDER_PORT;
    private static final MethodHandle GET_RECIPIENT_ADDR;
    private static final MethodHandle SET_RECIPIENT_ADDR_LEN;
    private static final MethodHandle SET_RECIPIENT_PORT;

    static {
        String reason = null;
        Class<?> packet = null;
        MethodHandle newPacket = null;
        Object outer = null;
        MethodHandle recv = null;
        MethodHandle send = null;
        MethodHandle[] fields = new MethodHandle[9];
        try {
            MethodHandles.Lookup lookup = MethodHandles.privateLookupIn(Native.class, MethodHandles.lookup());
            MethodHandle recvSupported = lookup.findStaticGetter(Native.class, "IS_SUPPORTING_RECVMMSG", boolean.class);
            if (!(boolean) recvSupported.invokeExact() || !Native.IS_SUPPORTING_SENDMMSG) {
                throw new UnsupportedOperationException("the kernel has no recvmmsg or sendmmsg");
            }
            Class<?> array = Class.forName("io.netty.channel.epoll.NativeDatagramPacketArray", true,
                    Native.class.getClassLoader());
            packet = Class.forName("io.netty.channel.epoll.NativeDatagramPacketArray$NativeDatagramPacket", true,
                    Native.class.getClassLoader());
            outer = lookup.findConstructor(array, MethodType.methodType(void.class)).invoke();
            newPacket = lookup.findConstructor(packet, MethodType.methodType(void.class, array))
                    .asType(MethodType.methodType(Object.class, Object.class));
            Class<?> packets = packet.arrayType();
            MethodType batch = MethodType.methodType(int.class, int.class, boolean.class, Object[].class, int.class,
                    int.class);
            recv = lookup.findStatic(Native.class, "recvmmsg0",
                    MethodType.methodType(int.class, int.class, boolean.class, packets, int.class, int.class))
                    .asType(batch);
            send = lookup.findStatic(Native.class, "sendmmsg0",
                    MethodType.methodType(int.class, int.class, boolean.class, packets, int.class, int.class))
                    .asType(batch);
            MethodHandles.Lookup inPacket = MethodHandles.privateLookupIn(packet, MethodHandles.lookup());
            fields[0] = setter(inPacket, packet, "memoryAddress", long.class);
            fields[1] = setter(inPacket, packet, "count", int.class);
            fields[2] = getter(inPacket, packet, "count", int.class);
            fields[3] = getter(inPacket, packet, "senderAddr", byte[].class);
            fields[4] = getter(inPacket, packet, "senderAddrLen", int.class);
            fields[5] = getter(inPacket, packet, "senderPort", int.class);
            fields[6] = getter(inPacket, packet, "recipientAddr", byte[].class);
            fields[7] = setter(inPacket, packet, "recipientAddrLen", int.class);
            fields[8] = setter(inPacket, packet, "recipientPort", int.class);
        } catch (IllegalAccessException e) {
            reason = "Netty's io.netty.channel.epoll package is not open to the native backend (" + e.getMessage()
                    + "); on the module path add " + EpollAccess.ADD_OPENS;
        } catch (ReflectiveOperationException e) {
            reason = "this Netty version lacks a datagram piece the native backend uses (" + e
                    + "); it was built for Netty 4.2.18.Final";
        } catch (Throwable t) {
            reason = "Netty's recvmmsg/sendmmsg binding cannot be reached: " + t;
        }
        REASON = reason;
        boolean ok = reason == null;
        PACKET = ok ? packet : null;
        NEW_PACKET = ok ? newPacket : null;
        OUTER = ok ? outer : null;
        RECVMMSG = ok ? recv : null;
        SENDMMSG = ok ? send : null;
        SET_MEMORY_ADDRESS = ok ? fields[0] : null;
        SET_COUNT = ok ? fields[1] : null;
        GET_COUNT = ok ? fields[2] : null;
        GET_SENDER_ADDR = ok ? fields[3] : null;
        GET_SENDER_ADDR_LEN = ok ? fields[4] : null;
        GET_SENDER_PORT = ok ? fields[5] : null;
        GET_RECIPIENT_ADDR = ok ? fields[6] : null;
        SET_RECIPIENT_ADDR_LEN = ok ? fields[7] : null;
        SET_RECIPIENT_PORT = ok ? fields[8] : null;
    }

    private DatagramAccess() {
    }

    private static MethodHandle setter(MethodHandles.Lookup lookup, Class<?> type, String name, Class<?> fieldType)
            throws ReflectiveOperationException {
        VarHandle field = lookup.findVarHandle(type, name, fieldType);
        return field.toMethodHandle(VarHandle.AccessMode.SET)
                .asType(MethodType.methodType(void.class, Object.class, fieldType));
    }

    private static MethodHandle getter(MethodHandles.Lookup lookup, Class<?> type, String name, Class<?> fieldType)
            throws ReflectiveOperationException {
        VarHandle field = lookup.findVarHandle(type, name, fieldType);
        return field.toMethodHandle(VarHandle.AccessMode.GET)
                .asType(MethodType.methodType(fieldType, Object.class));
    }

    /** Null when the batched calls are reachable, else why not. */
    static String unavailableReason() {
        return REASON;
    }

    /** A new array of {@code n} packets (its runtime type is Netty's packet array). */
    static Object[] newPackets(int n) {
        Object[] packets = (Object[]) Array.newInstance(PACKET, n);
        try {
            for (int i = 0; i < n; i++) {
                packets[i] = (Object) NEW_PACKET.invokeExact(OUTER);
            }
        } catch (Throwable t) {
            throw fail(t);
        }
        return packets;
    }

    /** recvmmsg into {@code packets[offset .. offset + n)}: the count, or a negative errno. */
    static int recvmmsg(int fd, boolean ipv6, Object[] packets, int offset, int n) {
        try {
            return (int) RECVMMSG.invokeExact(fd, ipv6, packets, offset, n);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    /** sendmmsg from {@code packets[offset .. offset + n)}: the count sent, or a negative errno. */
    static int sendmmsg(int fd, boolean ipv6, Object[] packets, int offset, int n) {
        try {
            return (int) SENDMMSG.invokeExact(fd, ipv6, packets, offset, n);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    /** Points the packet at an iovec array of {@code count} entries. */
    static void setIovec(Object packet, long address, int count) {
        try {
            SET_MEMORY_ADDRESS.invokeExact(packet, address);
            SET_COUNT.invokeExact(packet, count);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    /** The bytes received into the packet. */
    static int received(Object packet) {
        try {
            return (int) GET_COUNT.invokeExact(packet);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    /** The packet's sender address array (16 bytes, the same array for the packet's life). */
    static byte[] senderAddress(Object packet) {
        try {
            return (byte[]) GET_SENDER_ADDR.invokeExact(packet);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    /** The sender address length: 4 or 16. */
    static int senderAddressLength(Object packet) {
        try {
            return (int) GET_SENDER_ADDR_LEN.invokeExact(packet);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    /** The sender port. */
    static int senderPort(Object packet) {
        try {
            return (int) GET_SENDER_PORT.invokeExact(packet);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    /** The packet's recipient address array (16 bytes, the same array for the packet's life). */
    static byte[] recipientAddress(Object packet) {
        try {
            return (byte[]) GET_RECIPIENT_ADDR.invokeExact(packet);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    /** Sets the recipient: {@code length} 16 with the address in {@link #recipientAddress}, or 0 for none. */
    static void setRecipient(Object packet, int length, int port) {
        try {
            SET_RECIPIENT_ADDR_LEN.invokeExact(packet, length);
            SET_RECIPIENT_PORT.invokeExact(packet, port);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    private static RuntimeException fail(Throwable t) {
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException("a Netty datagram call failed unexpectedly", t);
    }
}
