import ArgumentParser
import Nabla

/// `nabla graph`: backpropagation node by node.
struct GraphCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "graph",
        abstract: "The computational graph of a formula: each node's value (forward pass) and gradient (backward pass).",
        discussion: """
            The textbook's shopping example (2 apples at 100, 3 oranges at 150, tax 1.1):
              nabla graph "(apple*apple_count + orange*orange_count)*tax" \\
                --at apple=100,apple_count=2,orange=150,orange_count=3,tax=1.1
            Each node's gradient is the gradient of the node that uses it times the local \
            derivative between them (the chain rule), summed over its uses.
            """)

    @Argument(help: "The formula.")
    var expression: String

    @Option(help: "The point, as name=value pairs.")
    var at: String

    @Flag(help: "Print one JSON document instead of a table.")
    var json = false

    func run() throws { print(try output()) }

    struct Node {
        var id: String
        var computes: String
        var value: Double
        var local: [(String, Double)]
        var gradient: Double = 0
        var isConstant = false
    }

    func output() throws -> String {
        let problem = try Problem(expression: expression, at: at)
        var nodes: [Node] = problem.names.enumerated().map { i, name in
            Node(id: "x\(i + 1)", computes: "\(name) (input)", value: problem.point[i], local: [])
        }
        let inputCount = nodes.count
        var operations = 0
        let trace = backpropagate(at: problem.point) { inputs, watch in
            func visit(_ f: Formula) -> (variable: TapeVariable<Double>, label: String) {
                switch f {
                case .constant(let c):
                    return (TapeVariable(constant: c), compact(c))
                case .named(let c):
                    return (TapeVariable(constant: c.value()), c.rawValue)
                case .variable(let name):
                    let i = problem.names.firstIndex(of: name)!
                    return (inputs[i], "x\(i + 1)")
                case .unary(let op, let a):
                    let (va, la) = visit(a)
                    let v = TapeVariable.applying(op, to: va)
                    let computes: String
                    switch op {
                    case .negate: computes = "-\(la)"
                    case .power(let n): computes = "\(la)^\(n)"
                    case .root(let n): computes = "root(\(la), \(n))"
                    default: computes = "\(op.name)(\(la))"
                    }
                    let local = va.isConstant ? [] : [("d/d\(la)", op.derivative(at: va.value, value: v.value))]
                    return record(v, computes, local)
                case .binary(let op, let a, let b):
                    let (va, la) = visit(a)
                    let (vb, lb) = visit(b)
                    let v = TapeVariable.applying(op, to: va, vb)
                    let computes = ["+", "-", "*", "/"].contains(op.name) ? "\(la) \(op.name) \(lb)" : "\(op.name)(\(la), \(lb))"
                    let (da, db) = op.partials(at: va.value, vb.value, value: v.value)
                    var local: [(String, Double)] = []
                    if !va.isConstant { local.append(("d/d\(la)", da)) }
                    if !vb.isConstant {
                        // x*x: both operands are the same node, whose local derivative is the sum.
                        if let k = local.firstIndex(where: { $0.0 == "d/d\(lb)" }) {
                            local[k].1 += db
                        } else {
                            local.append(("d/d\(lb)", db))
                        }
                    }
                    return record(v, computes, local)
                }
            }
            func record(_ v: TapeVariable<Double>, _ computes: String, _ local: [(String, Double)]) -> (TapeVariable<Double>, String) {
                operations += 1
                watch(v)
                nodes.append(Node(id: "v\(operations)", computes: computes, value: v.value, local: local,
                                  isConstant: v.isConstant))
                return (v, "v\(operations)")
            }
            return visit(problem.formula).variable
        }
        for i in 0..<inputCount { nodes[i].gradient = trace.gradient[i] }
        for (k, adjoint) in trace.adjoints.enumerated() { nodes[inputCount + k].gradient = adjoint }
        if nodes.count > inputCount { nodes[nodes.count - 1].id = "f" }
        if json {
            return JSON.object([
                ("expression", .string(problem.formula.description)),
                ("at", .object(zip(problem.names, problem.point).map { ($0, .number($1)) })),
                ("value", .number(trace.value)), ("gradient", .numbers(trace.gradient)),
                ("variables", .array(problem.names.map { .string($0) })),
                ("method", .string("reverse")),
                ("nodes", .array(nodes.map { n in
                    .object([("id", .string(n.id)), ("computes", .string(n.computes)), ("value", .number(n.value)),
                             ("local", .object(n.local.map { ($0.0, .number($0.1)) })),
                             ("gradient", n.isConstant ? .null : .number(n.gradient))])
                })),
            ]).text
        }
        var table = Table(["node", "computes", "value", "local derivatives", "gradient df/dnode"], rightAligned: [2, 4])
        for n in nodes {
            table.add([n.id, n.computes, readable(n.value),
                       n.local.map { "\($0.0) = \(readable($0.1))" }.joined(separator: ", "),
                       n.isConstant ? "(constant)" : readable(n.gradient)])
        }
        let gradient = zip(problem.names, trace.gradient).map { "df/d\($0) = \(readable($1))" }.joined(separator: ", ")
        return [
            "f = \(problem.formula)", "at \(problem.pointDescription)", "",
            "Forward pass: each node's value. Backward pass (reverse mode): each node's gradient df/dnode,",
            "starting from df/df = 1 and flowing back: a node's gradient is the sum, over the nodes that",
            "use it, of their gradient times the local derivative (the chain rule).", "",
            table.text, "",
            "f = \(readable(trace.value)); \(gradient)",
            "(Values to 12 significant digits; --json has every digit.)",
        ].joined(separator: "\n")
    }
}
