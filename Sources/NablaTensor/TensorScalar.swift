@_exported import NablaRules
import RealModule

/// The element types a ``Tensor`` holds: `Float` and `Double`.
///
/// A tensor's elements are real binary floating-point numbers that follow
/// the rule table (``DifferentiableScalar``) and can fill SIMD registers
/// (the fast kernels of later layers rely on that). They are trivial value
/// types, which lets the storage treat memory as plain bytes.
public typealias TensorScalar = Real & BinaryFloatingPoint & DifferentiableScalar & SIMDScalar & Sendable
