import Foundation
import Testing
@testable import Higher

/// The shared float64 meta-gradient fixtures (`shared/fixtures`, beside the repository):
/// K steps of an optimizer on the support loss, outer loss on the query set; the final
/// weights, the outer loss, the meta-gradient with respect to the initial weights
/// (second order, nothing detached) and the hypergradient with respect to the learning
/// rate must agree to 1e-12.
@Suite struct OptimizerFixtureTests {
    struct Fixture: Sendable, CustomTestStringConvertible {
        let name: String
        var testDescription: String { name }
    }

    static let names = ["sgd_k1", "sgd_k3", "sgd_momentum_k5", "adam_k5", "rmsprop_k5", "adagrad_k5"].map(Fixture.init)

    @Test(arguments: names)
    func fixtureMatches(_ fixture: Fixture) throws {
        let url = optimFixturesDirectory.appendingPathComponent(fixture.name + ".json")
        let json = try optimJSON(url)
        let config = json["config"] as! [String: Any]
        let opt = optimMake(config["optimizer"] as! String, OptimOptions(values: config))
        try check(opt, json)
    }

    private func check<O: Optimizer>(_ opt: O, _ json: [String: Any]) throws {
        let steps = json["steps"] as! Int
        let support = json["support"] as! [String: Any], query = json["query"] as! [String: Any]
        let xs = optimTensor(support["x"]!), ys = optimTensor(support["y"]!)
        let xq = optimTensor(query["x"]!), yq = optimTensor(query["y"]!)
        let initial = optimParameters(json["init"]!)
        let lr = (json["config"] as! [String: Any])["lr"] as! Double

        func outer(_ start: Parameters, _ hyper: O.Hyper) throws -> Tensor {
            let (trajectory, _) = try optimUnroll(opt, hyper, from: start, steps: steps) { optimLoss($0, xs, ys) }
            return optimLoss(trajectory.last!, xq, yq)
        }

        let (trajectory, _) = try optimUnroll(opt, opt.hyper, from: initial, steps: steps) { optimLoss($0, xs, ys) }
        let finalError = optimMaxDifference(optimFlat(trajectory.last!), optimFlat(optimParameters(json["final"]!)))
        #expect(finalError <= 1e-12, "final weights differ by \(finalError)")

        let (loss, metagrad) = try valueWithGradient(at: initial) { p in try outer(p, opt.hyper) }
        let lossError = abs(loss.item - (json["outer_loss"] as! Double))
        #expect(lossError <= 1e-12, "outer loss differs by \(lossError)")
        let metagradError = optimMaxDifference(optimFlat(metagrad), optimFlat(optimParameters(json["metagrad"]!)))
        #expect(metagradError <= 1e-12, "metagrad differs by \(metagradError)")

        let lrGrad = try gradient(at: Tensor(lr)) { rate in
            try outer(initial, optimWithLearningRate(opt.hyper, Hyperparameter(rate)))
        }
        let lrError = abs(lrGrad.item - (json["lr_grad"] as! Double))
        #expect(lrError <= 1e-12 * max(1, abs(lrGrad.item)), "lr_grad \(lrGrad.item) differs by \(lrError)")
    }
}
