import ArgumentParser
import Nabla

/// `nabla`: derivatives you can see, from the command line.
public struct NablaCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "nabla",
        abstract: "Derivatives made practical: finite differences with error control, automatic and symbolic differentiation, neural networks trained by backpropagation.",
        discussion: """
            Formulas use + - * / ^, parentheses, numbers like 1e-4, variables (x, y, x0, w_2), \
            the constants pi and e, and the functions \(UnaryOperation.namedFunctions.map(\.name).joined(separator: ", ")), \
            atan2, hypot, min, max, pow, root. There is no implicit multiplication: write 2*x.
            """,
        subcommands: [DiffCommand.self, GradCommand.self, HessianCommand.self, GraphCommand.self, StepsCommand.self,
                      DescendCommand.self,
                      TrainCommand.self, GradcheckCommand.self, PredictCommand.self, TourCommand.self, RulesCommand.self, BenchCommand.self]
    )

    public init() {}
}
