import Testing
@testable import Higher

/// Invalid settings stop at construction with torch's message, prefixed by the family.
@Suite struct OptimizerValidationTests {
    private func stderr(_ result: ExitTest.Result?) -> String {
        standardError(of: result) ?? ""
    }

    @Test func negativeLearningRateStops() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = SGD(lr: -0.1)
        }
        #expect(stderr(result).contains("SGD: Invalid learning rate: -0.1"))
    }

    @Test func betaOfOneStops() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Adam(betas: (0.9, 1.0))
        }
        #expect(stderr(result).contains("Adam: Invalid beta parameter at index 1: 1.0"))
    }

    @Test func nesterovWithoutMomentumStops() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = SGD(lr: 0.1, nesterov: true)
        }
        #expect(stderr(result).contains("SGD: Nesterov momentum requires a momentum and zero dampening"))
    }

    @Test func invalidPerParameterValueStops() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Rprop(etas: (0.5, 0.9))
        }
        #expect(stderr(result).contains("Rprop: Invalid eta values: 0.5, 0.9"))
    }

    @Test func validSettingsAreAccepted() {
        _ = SGD(lr: 0, momentum: 0.9, nesterov: true)
        _ = Adam(lr: 0, betas: (0, 0), eps: 0)
        _ = Adafactor(lr: 0.1, eps: (0, 0), d: 1)
        _ = Adadelta(rho: 1)
        _ = Lion(betas: (1, 1))
        _ = Rprop(etas: (0.1, 1.1))
        _ = SGD(lr: Hyperparameter(perParameter: ["w": Tensor([0.1, 0.2])]))
    }
}
