@testable import Higher

extension OperationCatalog {
    /// Tensor+Activations. Piecewise functions are drawn away from their kinks (0 for
    /// relu, leaky relu and elu, the threshold of softplus).
    static let activations: [Operation] = [
        .unary("relu") { relu($0) },
        .unary("leakyRelu(negativeSlope: 0.2)") { leakyRelu($0, negativeSlope: 0.2) },
        .unary("elu(alpha: 1.5)") { elu($0, alpha: 1.5) },
        .unary("gelu", .interval(-3...3)) { gelu($0) },
        .unary("gelu(approximate: .tanh)", .interval(-3...3)) { gelu($0, approximate: .tanh) },
        .unary("sigmoid", .interval(-3...3)) { sigmoid($0) },
        .unary("tanh", .interval(-2...2)) { tanh($0) },
        .unary("softplus", .interval(-3...3)) { softplus($0) },
        // βx crosses the threshold 3 at x = 1.5, where the function jumps to x.
        .unary("softplus(beta: 2, threshold: 3)", Arbitrary.Domain(-2 ... 1.4, 1.6 ... 2)) {
            softplus($0, beta: 2, threshold: 3)
        },
        .unary("logSigmoid", .interval(-3...3)) { logSigmoid($0) },
    ]
}
