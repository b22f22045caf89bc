/// Values of a function of two variables on a rectangular grid, and its
/// contour lines by marching squares.
///
/// ```swift
/// let grid = ContourGrid(x: -2...2, y: -2...2, resolution: 61) { x, y in x * x + y * y }
/// let circle = grid.contourLines(at: 1)   // polylines near the unit circle
/// ```
public struct ContourGrid: Sendable {
    /// Grid abscissas, increasing.
    public var x: [Double]
    /// Grid ordinates, increasing.
    public var y: [Double]
    /// `values[j][i]` is the function at `(x[i], y[j])`.
    public var values: [[Double]]

    public init(x: [Double], y: [Double], values: [[Double]]) {
        self.x = x
        self.y = y
        self.values = values
    }

    /// Samples `function` at `resolution` × `resolution` evenly spaced points
    /// of the rectangle, corners included.
    public init(
        x: ClosedRange<Double>, y: ClosedRange<Double>, resolution: Int = 61,
        function: (Double, Double) -> Double
    ) {
        let n = max(resolution, 2)
        let xs = (0..<n).map { x.lowerBound + (x.upperBound - x.lowerBound) * Double($0) / Double(n - 1) }
        let ys = (0..<n).map { y.lowerBound + (y.upperBound - y.lowerBound) * Double($0) / Double(n - 1) }
        self.init(x: xs, y: ys, values: ys.map { yv in xs.map { xv in function(xv, yv) } })
    }

    /// The smallest and largest finite value, nil when there is none.
    public var valueRange: ClosedRange<Double>? {
        let finite = values.joined().filter(\.isFinite)
        guard let lo = finite.min(), let hi = finite.max() else { return nil }
        return lo...hi
    }

    /// The contour lines where the function equals `level`, as polylines in
    /// data coordinates (closed curves repeat their first point at the end).
    /// Cells with a non-finite corner are skipped; saddle cells are resolved
    /// by the value at the cell centre (the mean of the corners).
    public func contourLines(at level: Double) -> [[PlotPoint]] {
        let nx = x.count, ny = y.count
        guard nx >= 2, ny >= 2, values.count == ny, values.allSatisfy({ $0.count == nx }), level.isFinite else { return [] }

        // A crossing point is named by its grid edge: 2·(j·nx + i) for the edge
        // from (i, j) to (i+1, j), plus 1 for the edge from (i, j) to (i, j+1).
        var points: [Int: PlotPoint] = [:]
        var segments: [(Int, Int)] = []
        func crossing(_ i0: Int, _ j0: Int, _ i1: Int, _ j1: Int) -> Int {
            let key = 2 * (j0 * nx + i0) + (j1 > j0 ? 1 : 0)
            if points[key] == nil {
                let v0 = values[j0][i0], v1 = values[j1][i1]
                let t = min(max((level - v0) / (v1 - v0), 0), 1)
                points[key] = PlotPoint(x[i0] + t * (x[i1] - x[i0]), y[j0] + t * (y[j1] - y[j0]))
            }
            return key
        }
        for j in 0..<(ny - 1) {
            for i in 0..<(nx - 1) {
                let a = values[j][i], b = values[j][i + 1], c = values[j + 1][i + 1], d = values[j + 1][i]
                guard a.isFinite, b.isFinite, c.isFinite, d.isFinite else { continue }
                let index = (a > level ? 1 : 0) | (b > level ? 2 : 0) | (c > level ? 4 : 0) | (d > level ? 8 : 0)
                if index == 0 || index == 15 { continue }
                let bottom = { crossing(i, j, i + 1, j) }
                let right = { crossing(i + 1, j, i + 1, j + 1) }
                let top = { crossing(i, j + 1, i + 1, j + 1) }
                let left = { crossing(i, j, i, j + 1) }
                let centreAbove = (a + b + c + d) / 4 > level
                switch index {
                case 1, 14: segments.append((left(), bottom()))
                case 2, 13: segments.append((bottom(), right()))
                case 3, 12: segments.append((left(), right()))
                case 4, 11: segments.append((right(), top()))
                case 6, 9: segments.append((bottom(), top()))
                case 7, 8: segments.append((left(), top()))
                case 5:
                    if centreAbove {
                        segments.append((bottom(), right())); segments.append((top(), left()))
                    } else {
                        segments.append((left(), bottom())); segments.append((right(), top()))
                    }
                case 10:
                    if centreAbove {
                        segments.append((left(), bottom())); segments.append((right(), top()))
                    } else {
                        segments.append((bottom(), right())); segments.append((top(), left()))
                    }
                default: break
                }
            }
        }
        return Self.chain(segments).map { $0.map { points[$0]! } }
    }

    /// Joins segments that share a crossing into polylines.
    private static func chain(_ segments: [(Int, Int)]) -> [[Int]] {
        var byEnd: [Int: [Int]] = [:]
        for (s, (p, q)) in segments.enumerated() {
            byEnd[p, default: []].append(s)
            byEnd[q, default: []].append(s)
        }
        var used = [Bool](repeating: false, count: segments.count)
        func extend(_ line: inout [Int]) {
            while let end = line.last, let next = byEnd[end]?.first(where: { !used[$0] }) {
                used[next] = true
                let (p, q) = segments[next]
                line.append(p == end ? q : p)
            }
        }
        var lines: [[Int]] = []
        for s in segments.indices where !used[s] {
            used[s] = true
            var forward = [segments[s].0, segments[s].1]
            extend(&forward)
            var backward = [segments[s].0]
            extend(&backward)
            lines.append(backward.dropFirst().reversed() + forward)
        }
        return lines
    }
}
