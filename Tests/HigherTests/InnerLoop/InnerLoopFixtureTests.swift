import Foundation
import Testing
@testable import Higher

/// The fixtures' MLP 2-5-3-1 as a struct model.
struct FixtureMLP: FunctionalModel {
    var parameters: Parameters
    func apply(_ x: Tensor, parameters p: Parameters, buffers: Parameters) throws -> (output: Tensor, buffers: Parameters) {
        try p.requireSameStructure(as: parameters)
        return (optimMLP(p, x), buffers)
    }
}

/// Every fixture in `shared/fixtures`, reproduced through the inner-loop API with every
/// exact strategy: final weights, outer loss, meta-gradient and learning-rate gradient.
@Suite struct InnerLoopFixtureTests {
    static let fixtures = ["sgd_k1", "sgd_k3", "sgd_momentum_k5", "adam_k5", "rmsprop_k5", "adagrad_k5"]
    static let exact: [MetaGradientStrategy] = [.forwardOverReverse, .reverseOverReverse, .checkpointed]

    struct Fixture {
        let optimizer: any Optimizer
        let steps: Int
        let initial: Parameters
        let support: (x: Tensor, y: Tensor)
        let query: (x: Tensor, y: Tensor)
        let final: Parameters
        let outerLoss: Double
        let metagrad: Parameters
        let lrGrad: Double
    }

    static func load(_ name: String) throws -> Fixture {
        let json = try optimJSON(optimFixturesDirectory.appendingPathComponent("\(name).json"))
        let config = json["config"] as! [String: Any]
        let support = json["support"] as! [String: Any], query = json["query"] as! [String: Any]
        return Fixture(
            optimizer: optimMake(config["optimizer"] as! String, OptimOptions(values: config)),
            steps: json["steps"] as! Int,
            initial: optimParameters(json["init"]!),
            support: (optimTensor(support["x"]!), optimTensor(support["y"]!)),
            query: (optimTensor(query["x"]!), optimTensor(query["y"]!)),
            final: optimParameters(json["final"]!),
            outerLoss: json["outer_loss"] as! Double,
            metagrad: optimParameters(json["metagrad"]!),
            lrGrad: json["lr_grad"] as! Double)
    }

    /// Unrolls the fixture's steps through `InnerLoop` and returns the loop and its meta-gradient.
    static func run<O: Optimizer>(_ optimizer: O, _ f: Fixture, _ strategy: MetaGradientStrategy)
        throws -> (InnerLoop<FixtureMLP, O>, MetaGradient<O>) {
        var loop = InnerLoop(model: FixtureMLP(parameters: f.initial), optimizer: optimizer, strategy: strategy)
        for _ in 0..<f.steps {
            try loop.step { m in meanSquaredError(predicted: try m(f.support.x), target: f.support.y) }
        }
        let result = try loop.metaGradient { m in meanSquaredError(predicted: try m(f.query.x), target: f.query.y) }
        return (loop, result)
    }

    static func lrGradient<O: Optimizer>(_ result: MetaGradient<O>) -> Double {
        // Every family names its learning rate `lr`; read it through the mirror of the Hyper struct.
        let hyper = result.hyperparameters!
        let lr = Mirror(reflecting: hyper).children.first { $0.label == "lr" }!.value as! Hyperparameter
        return lr.tensor!.item
    }

    @Test(arguments: fixtures)
    func everyExactStrategyReproducesTheFixture(name: String) throws {
        let f = try Self.load(name)
        for strategy in Self.exact + [.truncated(steps: f.steps)] {
            func check<O: Optimizer>(_ optimizer: O) throws {
                let (loop, result) = try Self.run(optimizer, f, strategy)
                #expect(optimMaxDifference(optimFlat(loop.parameters), optimFlat(f.final)) < 1e-12, "\(name) \(strategy) final")
                #expect(abs(result.outerLoss.item - f.outerLoss) < 1e-12, "\(name) \(strategy) outer loss")
                #expect(optimMaxDifference(optimFlat(result.initialParameters!), optimFlat(f.metagrad)) < 1e-12,
                        "\(name) \(strategy) metagrad")
                #expect(abs(Self.lrGradient(result) - f.lrGrad) < 1e-12, "\(name) \(strategy) lr_grad \(Self.lrGradient(result)) vs \(f.lrGrad)")
            }
            try check(f.optimizer)
        }
    }
}
