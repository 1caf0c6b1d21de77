import Foundation
import Testing
@testable import Higher

/// Step-by-step agreement with torch.optim (float64) for every family and option, from
/// `Reference/optimizers.json` (written by `Benchmarks/peers/optim_reference.py`):
/// the parameters after every step and the state after the last, to 1e-12.
@Suite struct OptimizerReferenceTests {
    struct Case: @unchecked Sendable, CustomTestStringConvertible {
        let json: [String: Any]
        var name: String { json["name"] as! String }
        var testDescription: String { name }
    }

    nonisolated(unsafe) static let reference: [String: Any] = {
        do {
            return try optimJSON(optimReferenceDirectory.appendingPathComponent("optimizers.json"))
        } catch {
            preconditionFailure("optimizers.json: \(error)")
        }
    }()

    static let cases = (reference["cases"] as! [[String: Any]]).map(Case.init)
    static let schedules = (reference["schedules"] as! [[String: Any]]).map(Case.init)

    static var start: Parameters { optimParameters(reference["init"]!) }
    static var x: Tensor { optimTensor(reference["x"]!) }
    static var y: Tensor { optimTensor(reference["y"]!) }

    @Test func everyFamilyHasReferenceCases() {
        let families = Set(Self.cases.map { $0.json["optimizer"] as! String })
        #expect(families == ["SGD", "Adam", "AdamW", "Adamax", "Adadelta", "Adagrad", "ASGD", "RMSprop", "Rprop",
                             "NAdam", "RAdam", "Adafactor", "Lion"])
    }

    @Test(arguments: cases)
    func trajectoryMatchesTorch(_ c: Case) throws {
        let options = OptimOptions(values: c.json["options"] as! [String: Any])
        let family = c.json["optimizer"] as! String
        var opt: any Optimizer = optimMake(family, options)
        if let groups = c.json["groups"] as? [[String: Any]] {
            opt = grouped(family, options, groups)
        }
        if let clip = c.json["clip"] as? [String: Any] {
            let value = clip["value"] as! Double
            opt = clipped(opt, clip["kind"] as! String == "norm" ? .clipByGlobalNorm(value) : .clipByValue(value))
        }
        try check(opt, c)
    }

    private func grouped(_ family: String, _ options: OptimOptions, _ groups: [[String: Any]]) -> any Optimizer {
        func build<O: Optimizer>(_ base: O) -> any Optimizer {
            let members = groups.map { g -> (ParameterSelector, O) in
                let opt = optimMake(family, options.merging(g["options"] as! [String: Any])) as! O
                return (.paths(g["params"] as! [String]), opt)
            }
            return ParameterGroups(default: base, groups: members)
        }
        return build(optimMake(family, options))
    }

    private func clipped<O: Optimizer>(_ opt: O, _ transform: GradientTransform) -> any Optimizer {
        opt.transformingGradients(transform)
    }

    private func check<O: Optimizer>(_ opt: O, _ c: Case) throws {
        let x = Self.x, y = Self.y
        let steps = c.json["steps"] as! Int
        let expected = c.json["trajectory"] as! [[Double]]
        let (trajectory, state) = try optimUnroll(opt, opt.hyper, from: Self.start, steps: steps) { optimLoss($0, x, y) }
        for (t, (mine, theirs)) in zip(trajectory, expected).enumerated() {
            let error = optimMaxDifference(optimFlat(mine), theirs)
            #expect(error <= 1e-12, "\(c.name): step \(t + 1) differs by \(error)")
            if error > 1e-12 { return }
        }
        let torchState = c.json["state"] as! [String: [Double]]
        let mine = optimStateRecord(state)
        for (key, theirs) in torchState where key != "step" && key != "eta" && key != "mu" {
            guard let values = mine[key] else {
                if c.json["groups"] == nil { Issue.record("\(c.name): no state \(key)") }
                continue
            }
            let error = optimMaxDifference(values, theirs)
            #expect(error <= 1e-12, "\(c.name): state \(key) differs by \(error)")
        }
        if let steps = torchState["step"], let mine = optimStateStep(state) {
            #expect(steps.allSatisfy { Int($0) == mine }, "\(c.name): step count \(mine) vs \(steps)")
        }
    }

    @Test(arguments: schedules)
    func scheduleMatchesTorch(_ c: Case) {
        let o = OptimOptions(values: c.json["options"] as! [String: Any])
        let base = c.json["base_lr"] as? Double ?? 0
        let schedule: any LearningRateSchedule
        switch c.json["scheduler"] as! String {
        case "StepLR":
            schedule = StepSchedule(initial: Hyperparameter(base), stepSize: Int(o.double("step_size", 1)), gamma: o.hp("gamma", 0.1))
        case "ExponentialLR":
            schedule = ExponentialSchedule(initial: Hyperparameter(base), gamma: o.hp("gamma", 0.1))
        case "CosineAnnealingLR":
            schedule = CosineSchedule(initial: Hyperparameter(base), minimum: o.hp("eta_min", 0), period: Int(o.double("T_max", 1)))
        case "LinearLR":
            schedule = LinearWarmup(ConstantSchedule(Hyperparameter(base)), steps: Int(o.double("total_iters", 5)),
                                    startFactor: o.hp("start_factor", 1.0 / 3))
        case "OneCycleLR":
            schedule = OneCycleSchedule(
                maxRate: o.hp("max_lr", 0.1), totalSteps: Int(o.double("total_steps", 1)), pctStart: o.double("pct_start", 0.3),
                annealing: (o.values["anneal_strategy"] as? String) == "linear" ? .linear : .cosine,
                divFactor: o.hp("div_factor", 25), finalDivFactor: o.hp("final_div_factor", 1e4), threePhase: o.bool("three_phase"))
        default:
            Issue.record("unknown scheduler \(c.json["scheduler"]!)")
            return
        }
        let expected = c.json["values"] as! [Double]
        let mine = expected.indices.map { schedule.value(atStep: $0).item }
        let error = optimMaxDifference(mine, expected)
        #expect(error <= 1e-12, "\(c.name): \(mine) vs \(expected)")
    }
}
