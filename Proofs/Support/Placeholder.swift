import Testing
@testable import Higher
import PropertyBased
