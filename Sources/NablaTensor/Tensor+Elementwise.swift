import CNablaKernels
import NablaRules
import RealModule

// MARK: - Unary operations from the rule table

extension Tensor {
    /// `f` applied to every element; the shape is kept.
    @inlinable
    public func mapScalars(_ f: (Scalar) -> Scalar) -> Tensor {
        Tensor(shape: shape) { out in
            let o = out.baseAddress!, x = storage.base
            for i in 0..<out.count { o[i] = f(x[i]) }
        }
    }

    /// The rule table's function `operation` applied to every element:
    /// `t.map(.exp)`, `t.map(.power(3))`. Values follow the scalar rule,
    /// edge cases included (`log` of a negative element is NaN, `relu` of
    /// NaN is NaN).
    ///
    /// A few cheap operations get their own loop, which vectorises (with
    /// results identical to the scalar rule's). `exp` and `sigmoid` on Float
    /// and Double run the vectorised kernels of `CNablaKernels` (on x86-64
    /// with AVX2, their own vector exp, within 1 ulp of libm's): within
    /// 4 ulp of the scalar rule,
    /// with the same special values (NaN stays NaN, overflow gives +∞,
    /// sigmoid(±∞) = 1 and 0), about eight times faster. The others call the
    /// scalar function per element and match it exactly.
    @inlinable
    public func map(_ operation: UnaryOperation) -> Tensor {
        switch operation {
        case .negate: return mapScalars { -$0 }
        case .abs: return mapScalars { $0.magnitude }
        case .relu: return mapScalars { Scalar.relu($0) }
        case .exp: return mapThroughKernel(nabla_exp_f32, nabla_exp_f64) ?? mapScalars { operation.value($0) }
        case .sigmoid:
            return mapThroughKernel(nabla_sigmoid_f32, nabla_sigmoid_f64) ?? mapScalars { operation.value($0) }
        default: return mapScalars { operation.value($0) }
        }
    }

    /// The elements through a C kernel for Float or Double; nil for other
    /// scalar types.
    @inlinable
    func mapThroughKernel(
        _ float: (UnsafePointer<Float>?, UnsafeMutablePointer<Float>?, Int) -> Void,
        _ double: (UnsafePointer<Double>?, UnsafeMutablePointer<Double>?, Int) -> Void
    ) -> Tensor? {
        guard Scalar.self == Float.self || Scalar.self == Double.self else { return nil }
        return Tensor(shape: shape) { out in
            _ = Self.runKernel(float, double, storage.base, out.baseAddress!, out.count)
        }
    }

    /// y = f(x) over `n` elements through the Float or the Double C kernel
    /// (x and y may be the same buffer); false, writing nothing, for other
    /// scalar types.
    @inlinable
    static func runKernel(
        _ float: (UnsafePointer<Float>?, UnsafeMutablePointer<Float>?, Int) -> Void,
        _ double: (UnsafePointer<Double>?, UnsafeMutablePointer<Double>?, Int) -> Void,
        _ x: UnsafePointer<Scalar>, _ y: UnsafeMutablePointer<Scalar>, _ n: Int
    ) -> Bool {
        if Scalar.self == Float.self {
            float(UnsafeRawPointer(x).assumingMemoryBound(to: Float.self),
                  UnsafeMutableRawPointer(y).assumingMemoryBound(to: Float.self), n)
            return true
        }
        if Scalar.self == Double.self {
            double(UnsafeRawPointer(x).assumingMemoryBound(to: Double.self),
                   UnsafeMutableRawPointer(y).assumingMemoryBound(to: Double.self), n)
            return true
        }
        return false
    }

    /// The derivative f′ of the rule table's function `operation`, evaluated
    /// at every element: the table's ``UnaryOperation/derivative(at:value:)``
    /// with the value computed first (by ``map(_:)``). Conventions at kinks
    /// are the table's (relu′(0) = 0, abs′(0) = 0, sqrt′(0) = +∞).
    @inlinable
    public func derivative(of operation: UnaryOperation) -> Tensor {
        valueAndDerivative(of: operation).derivative
    }

    /// f(x) and f′(x) for every element, from one evaluation of f: what
    /// reverse mode needs for an elementwise op.
    @inlinable
    public func valueAndDerivative(of operation: UnaryOperation) -> (value: Tensor, derivative: Tensor) {
        let value = map(operation)
        let derivative = Tensor(shape: shape) { out in
            // The common activations reach the loop as constants, so the
            // table's switch folds away and the loop vectorises.
            switch operation {
            case .sigmoid: derivativeLoop(.sigmoid, value, out)
            case .tanh: derivativeLoop(.tanh, value, out)
            case .exp: derivativeLoop(.exp, value, out)
            case .relu: derivativeLoop(.relu, value, out)
            default: derivativeLoop(operation, value, out)
            }
        }
        return (value, derivative)
    }

    @inlinable @inline(__always)
    func derivativeLoop(_ operation: UnaryOperation, _ value: Tensor, _ out: UnsafeMutableBufferPointer<Scalar>) {
        let o = out.baseAddress!, x = storage.base, y = value.storage.base
        for i in 0..<out.count { o[i] = operation.derivative(at: x[i], value: y[i]) }
    }
}

// MARK: - Binary operations with broadcasting

extension Tensor {
    /// + − × ÷ of two runs of `count` elements into new storage; nil for the
    /// other operations. The equal-shape path of ``applying(_:_:)``, and of
    /// `Variable`'s operations, which pass the pointers of tensors they do
    /// not copy.
    @inlinable
    static func arithmetic(
        _ operation: BinaryOperation, _ pa: UnsafePointer<Scalar>, _ pb: UnsafePointer<Scalar>, count n: Int
    ) -> TensorStorage<Scalar>? {
        switch operation {
        case .add, .subtract, .multiply, .divide: break
        default: return nil
        }
        let out = TensorStorage<Scalar>.uninitialized(count: n)
        let o = out.base
        switch operation {
        case .add: for i in 0..<n { o[i] = pa[i] + pb[i] }
        case .subtract: for i in 0..<n { o[i] = pa[i] - pb[i] }
        case .multiply: for i in 0..<n { o[i] = pa[i] * pb[i] }
        default: for i in 0..<n { o[i] = pa[i] / pb[i] }
        }
        return out
    }

    /// The rule table's two-argument function applied elementwise to this
    /// tensor and `other`, broadcast against each other by NumPy's rules.
    ///
    /// - Throws: ``ShapeError`` naming the operation and both shapes if they
    ///   do not broadcast.
    @inlinable
    public func applying(_ operation: BinaryOperation, _ other: Tensor) throws -> Tensor {
        if _shape == other._shape,
           let result = Self.arithmetic(operation, storage.base, other.storage.base, count: count) {
            return Tensor(uncheckedShape: _shape, storage: result)
        }
        let name = operation.name
        switch operation {
        case .add: return try Self.zip(self, other, operation: name, +)
        case .subtract: return try Self.zip(self, other, operation: name, -)
        case .multiply: return try Self.zip(self, other, operation: name, *)
        case .divide: return try Self.zip(self, other, operation: name, /)
        default: return try Self.zip(self, other, operation: name) { operation.value($0, $1) }
        }
    }

    /// The partial derivatives (∂f/∂x, ∂f/∂y) of the rule table's function
    /// at every pair of broadcast elements, both of the broadcast shape
    /// (reverse mode sums them back over broadcast axes).
    ///
    /// - Throws: ``ShapeError`` if the shapes do not broadcast.
    @inlinable
    public func partials(of operation: BinaryOperation, _ other: Tensor) throws -> (Tensor, Tensor) {
        let z = try applying(operation, other)
        let x = try broadcast(to: z.shape), y = try other.broadcast(to: z.shape)
        let px = x.storage.base, py = y.storage.base, pz = z.storage.base
        var dy = z
        let dx = Tensor(shape: z.shape) { ox in
            dy = Tensor(shape: z.shape) { oy in
                withExtendedLifetime((x, y, z)) {
                    for i in 0..<z.count {
                        (ox[i], oy[i]) = operation.partials(at: px[i], py[i], value: pz[i])
                    }
                }
            }
        }
        return (dx, dy)
    }

    /// Elementwise sum with broadcasting. - Throws: ``ShapeError``.
    @inlinable public func adding(_ other: Tensor) throws -> Tensor { try applying(.add, other) }
    /// Elementwise difference with broadcasting. - Throws: ``ShapeError``.
    @inlinable public func subtracting(_ other: Tensor) throws -> Tensor { try applying(.subtract, other) }
    /// Elementwise product with broadcasting. - Throws: ``ShapeError``.
    @inlinable public func multiplying(_ other: Tensor) throws -> Tensor { try applying(.multiply, other) }
    /// Elementwise quotient with broadcasting. - Throws: ``ShapeError``.
    @inlinable public func dividing(_ other: Tensor) throws -> Tensor { try applying(.divide, other) }
    /// Elementwise xʸ for real y (NaN where x < 0, as for scalars).
    /// - Throws: ``ShapeError``.
    @inlinable public func raised(to exponent: Tensor) throws -> Tensor { try applying(.power, exponent) }

    /// This tensor times a scalar.
    @inlinable public func scaled(by factor: Scalar) -> Tensor { mapScalars { $0 * factor } }
}

// MARK: - Comparisons and selection

extension Tensor {
    /// 1 where this tensor's element is greater than `other`'s, else 0
    /// (NaN compares false), with broadcasting. - Throws: ``ShapeError``.
    @inlinable
    public func greater(than other: Tensor) throws -> Tensor {
        try Self.zip(self, other, operation: "greater") { $0 > $1 ? 1 : 0 }
    }

    /// 1 where this tensor's element is less than `other`'s, else 0 (NaN
    /// compares false), with broadcasting. - Throws: ``ShapeError``.
    @inlinable
    public func less(than other: Tensor) throws -> Tensor {
        try Self.zip(self, other, operation: "less") { $0 < $1 ? 1 : 0 }
    }

    /// 1 where the elements are equal, else 0 (NaN equals nothing; 0 equals
    /// -0), with broadcasting. - Throws: ``ShapeError``.
    @inlinable
    public func equal(to other: Tensor) throws -> Tensor {
        try Self.zip(self, other, operation: "equal") { $0 == $1 ? 1 : 0 }
    }

    /// `a`'s element where `condition` is non-zero, else `b`'s; the three
    /// shapes broadcast together (NumPy's `where`). A NaN condition counts
    /// as non-zero.
    ///
    /// - Throws: ``ShapeError`` if the shapes do not broadcast.
    @inlinable
    public static func `where`(_ condition: Tensor, _ a: Tensor, _ b: Tensor) throws -> Tensor {
        let shape = try broadcastShape(
            try broadcastShape(condition.shape, a.shape, operation: "where"), b.shape, operation: "where")
        let c = try condition.broadcast(to: shape), x = try a.broadcast(to: shape), y = try b.broadcast(to: shape)
        return Tensor(shape: shape) { out in
            let pc = c.storage.base, px = x.storage.base, py = y.storage.base
            withExtendedLifetime((c, x, y)) {
                for i in 0..<out.count { out[i] = pc[i] != 0 ? px[i] : py[i] }
            }
        }
    }

    /// Whether every element is finite (true for an empty tensor).
    @inlinable
    public var isFinite: Bool { storage.buffer.allSatisfy { $0.isFinite } }
}
