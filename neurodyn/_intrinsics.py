"""Low-level helpers for kernels that Numba does not offer.

Recordings are written once and not read again while a kernel runs. Ordinary
stores pull every recorded cache line into the caches and evict the weights the
next step needs (measured: a reservoir of 1000 units with 100,000 weights ran
40 % slower when it wrote its states with ordinary stores). Non-temporal stores
bypass the caches. LLVM emits them from ``!nontemporal`` metadata (MOVNTI on
x86-64; an ordinary store on targets without them), so this stays portable.
"""

import numba
import numpy as np
from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

__all__ = [
    "float32_from_bits", "float64_from_bits", "fma", "prefetch", "store_fence", "stream_store",
]  # fmt: skip


@intrinsic
def fma(typingctx, a, b, c):
    """a * b + c with one rounding (LLVM's ``llvm.fma``; vectorises).

    Kernels use it where fusing helps (polynomials) instead of letting the
    compiler contract every multiply-add: in a dot product's running sum a fused
    multiply-add puts the multiplication on the dependency chain, which measured
    50 % slower here.
    """
    if not all(isinstance(t, types.Float) for t in (a, b, c)):
        return None
    result = max((a, b, c), key=lambda t: t.bitwidth)

    def codegen(context, builder, signature, args):
        values = [
            context.cast(builder, v, t, result) for v, t in zip(args, signature.args, strict=True)
        ]
        return builder.fma(*values)

    return result(a, b, c), codegen


def _float_from_bits(width: int):
    result, integer = (types.float32, types.int32) if width == 32 else (types.float64, types.int64)

    def typer(typingctx, bits):
        if not isinstance(bits, types.Integer):
            return None

        def codegen(context, builder, signature, args):
            value = context.cast(builder, args[0], signature.args[0], integer)
            target = ir.FloatType() if width == 32 else ir.DoubleType()
            return builder.bitcast(value, target)

        return result(bits), codegen

    return typer


# The IEEE float whose bit pattern is the low 32 (64) bits of an integer. Building 2^k
# from its exponent field, float64_from_bits((k + 1023) << 52), is a shift and a move where
# an integer-to-float conversion would keep the surrounding loop from vectorising well
# (float32 tanh: 2.0 -> 0.9 ns a value here). Numba widens integer arithmetic to 64 bits,
# so the width is part of the name.
float32_from_bits = intrinsic(_float_from_bits(32))
float64_from_bits = intrinsic(_float_from_bits(64))


@intrinsic
def stream_store(typingctx, array, index, value):
    """``array[index] = value`` (1-d array, non-negative index) with a non-temporal hint."""
    if not isinstance(array, types.Array) or array.ndim != 1:
        return None
    if not isinstance(index, types.Integer) or not isinstance(value, types.Number):
        return None

    def codegen(context, builder, signature, args):
        array_type, _, value_type = signature.args
        array_value, index_value, item = args
        view = context.make_array(array_type)(context, builder, array_value)
        pointer = cgutils.get_item_pointer2(
            context,
            builder,
            data=view.data,
            shape=cgutils.unpack_tuple(builder, view.shape),
            strides=cgutils.unpack_tuple(builder, view.strides),
            layout=array_type.layout,
            inds=[index_value],
            wraparound=False,
        )
        item = context.cast(builder, item, value_type, array_type.dtype)
        integer = ir.IntType(array_type.dtype.bitwidth)  # integer stores become MOVNTI on x86-64
        store = builder.store(
            builder.bitcast(item, integer), builder.bitcast(pointer, integer.as_pointer())
        )
        store.set_metadata(
            "nontemporal", builder.module.add_metadata([ir.Constant(ir.IntType(32), 1)])
        )
        return context.get_dummy_value()

    return types.void(array, index, value), codegen


@intrinsic
def store_fence(typingctx):
    """Order earlier non-temporal stores before anything that follows."""

    def codegen(context, builder, signature, args):
        builder.fence("seq_cst")
        return context.get_dummy_value()

    return types.void(), codegen


@intrinsic
def prefetch(typingctx, array, index):
    """Ask for the cache line of ``array[index]`` (1-d) or of ``array[index, 0]`` (2-d, C
    order) to be loaded ahead of use (LLVM's ``llvm.prefetch``: a read, kept in every
    cache level); nothing if ``index`` is out of range. A loop that knows which random
    rows it will read hides the memory latency this way."""
    if not isinstance(array, types.Array) or array.ndim > 2 or array.layout != "C":
        return None
    if not isinstance(index, types.Integer):
        return None

    def codegen(context, builder, signature, args):
        array_type, index_type = signature.args
        view = context.make_array(array_type)(context, builder, args[0])
        shape = cgutils.unpack_tuple(builder, view.shape)
        position = context.cast(builder, args[1], index_type, types.intp)
        inside = builder.icmp_unsigned("<", position, shape[0])
        with builder.if_then(inside):
            offset = position if array_type.ndim == 1 else builder.mul(position, shape[1])
            pointer = builder.gep(view.data, [offset])
            byte = ir.IntType(8).as_pointer()
            i32 = ir.IntType(32)
            function_type = ir.FunctionType(ir.VoidType(), [byte, i32, i32, i32])
            function = cgutils.get_or_insert_function(
                builder.module, function_type, "llvm.prefetch.p0"
            )
            builder.call(function, [builder.bitcast(pointer, byte), i32(0), i32(3), i32(1)])
        return context.get_dummy_value()

    return types.void(array, index), codegen


# --- plain Python, for NUMBA_DISABLE_JIT=1 -----------------------------------------------------
# With the JIT off, kernels run as ordinary Python (for debugging and coverage); an
# intrinsic has no Python body, so each gets one that computes the same value.
if numba.config.DISABLE_JIT:

    def fma(a, b, c):
        return a * b + c

    def _bits(bits, integer, floating):
        return np.array(bits).astype(integer).view(floating)[()]

    def float32_from_bits(bits):
        return _bits(bits, np.int32, np.float32)

    def float64_from_bits(bits):
        return _bits(bits, np.int64, np.float64)

    def stream_store(array, index, value):
        array[index] = value

    def store_fence():
        return None

    def prefetch(array, index):
        return None
