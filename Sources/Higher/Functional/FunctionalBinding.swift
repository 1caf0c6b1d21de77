import Synchronization

/// The values a functional call binds to a module's parameters and buffers, read by the
/// ``Parameter`` and ``Buffer`` wrappers through a task-local value: the module itself is
/// never written, so calls with different parameters can run at once on one module.
final class FunctionalBinding: Sendable {
    static let taskLocal = TaskLocal<FunctionalBinding?>(wrappedValue: nil)
    @inline(__always) static var current: FunctionalBinding? { taskLocal.get() }

    let layout: ModuleLayout
    let parameters: [Tensor]
    private let buffers: Mutex<[Tensor]>

    init(layout: ModuleLayout, parameters: [Tensor], buffers: [Tensor]) {
        self.layout = layout
        self.parameters = parameters
        self.buffers = Mutex(buffers)
    }

    func parameter(_ p: Parameter) -> Tensor? {
        layout.parameterSlots[ObjectIdentifier(p)].map { parameters[$0] }
    }

    func buffer(_ b: Buffer) -> Tensor? {
        guard let slot = layout.bufferSlots[ObjectIdentifier(b)] else { return nil }
        return buffers.withLock { $0[slot] }
    }

    /// Records a buffer write; `false` when the buffer is not part of this call.
    func update(_ b: Buffer, _ value: Tensor) -> Bool {
        guard let slot = layout.bufferSlots[ObjectIdentifier(b)] else { return false }
        buffers.withLock { $0[slot] = value }
        return true
    }

    var currentBuffers: [Tensor] { buffers.withLock { $0 } }

    /// Runs `body` with this binding in effect.
    func run<R>(_ body: () throws -> R) rethrows -> R {
        try FunctionalBinding.taskLocal.withValue(self, operation: body)
    }
}
