import NablaRules

extension Tensor {
    /// This tensor summed over the axes along which a tensor of shape
    /// `target` was broadcast to this shape: the adjoint of broadcasting.
    /// Leading axes that `target` lacks are summed away; axes where
    /// `target` has 1 and this tensor more are summed and kept with size 1.
    ///
    /// Reverse mode uses it so that the gradient of an operand of a
    /// broadcast operation has that operand's shape.
    ///
    /// Precondition: `target` broadcasts to this tensor's shape.
    @inlinable
    public func summed(toShape target: [Int]) -> Tensor {
        if shape == target { return self }
        precondition(
            target.count <= rank
                && Swift.zip(target, shape.suffix(target.count)).allSatisfy { $0 == $1 || $0 == 1 },
            "summed(toShape:): shape \(target) does not broadcast to \(shape)")
        var result = self
        while result.rank > target.count { result = result.sum(alongAxis: 0) }
        for axis in target.indices where target[axis] == 1 && result.shape[axis] != 1 {
            result = result.sum(alongAxis: axis, keepingDimensions: true)
        }
        return result
    }
}
