// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.24;

// Minimal stand-in for forge-std's Test: forge-std is not available from the npm registry as an
// official package (and git submodules cannot be fetched here), so the tests talk to forge's
// cheatcode contract directly through the small `Vm` interface below. Assertions are forge's own
// `vm.assert*` cheatcodes, so failures print forge's usual "left != right" messages.
// Add a cheatcode here when a test needs it; signatures must match forge's exactly
// (https://book.getfoundry.sh/cheatcodes/). See docs/decisions/0003-solc-shim.md.

/// @notice The subset of forge's cheatcodes that Atelier's tests use.
interface Vm {
    /// @notice A log captured by `recordLogs` (forge's `Vm.Log`).
    struct Log {
        bytes32[] topics;
        bytes data;
        address emitter;
    }

    /*//////////////////////////////////////////////////////////////
                              ENVIRONMENT
    //////////////////////////////////////////////////////////////*/

    function chainId(uint256 newChainId) external;
    function warp(uint256 newTimestamp) external;
    function roll(uint256 newHeight) external;
    function deal(address account, uint256 newBalance) external;
    function label(address account, string calldata newLabel) external;
    function etch(address target, bytes calldata newRuntimeBytecode) external;
    function snapshotState() external returns (uint256 snapshotId);
    function cool(address target) external;
    function pauseGasMetering() external;
    function resumeGasMetering() external;
    function revertToState(uint256 snapshotId) external returns (bool success);

    /*//////////////////////////////////////////////////////////////
                                CALLERS
    //////////////////////////////////////////////////////////////*/

    function prank(address msgSender) external;
    function startPrank(address msgSender) external;
    function stopPrank() external;

    /*//////////////////////////////////////////////////////////////
                              EXPECTATIONS
    //////////////////////////////////////////////////////////////*/

    function expectRevert() external;
    function expectRevert(bytes4 revertData) external;
    function expectRevert(bytes calldata revertData) external;
    function expectEmit() external;
    function expectEmit(address emitter) external;
    function expectEmit(bool checkTopic1, bool checkTopic2, bool checkTopic3, bool checkData) external;
    function expectEmit(bool checkTopic1, bool checkTopic2, bool checkTopic3, bool checkData, address emitter)
        external;
    function assume(bool condition) external pure;
    function recordLogs() external;
    function getRecordedLogs() external returns (Log[] memory logs);

    /*//////////////////////////////////////////////////////////////
                                 KEYS
    //////////////////////////////////////////////////////////////*/

    function addr(uint256 privateKey) external pure returns (address keyAddr);
    function sign(uint256 privateKey, bytes32 digest) external pure returns (uint8 v, bytes32 r, bytes32 s);

    /*//////////////////////////////////////////////////////////////
                               ASSERTIONS
    //////////////////////////////////////////////////////////////*/

    function assertTrue(bool condition, string calldata error) external pure;
    function assertFalse(bool condition, string calldata error) external pure;
    function assertEq(bool left, bool right, string calldata error) external pure;
    function assertEq(uint256 left, uint256 right, string calldata error) external pure;
    function assertEq(address left, address right, string calldata error) external pure;
    function assertEq(bytes32 left, bytes32 right, string calldata error) external pure;
    function assertEq(string calldata left, string calldata right, string calldata error) external pure;
    function assertGt(uint256 left, uint256 right, string calldata error) external pure;
    function assertLe(uint256 left, uint256 right, string calldata error) external pure;
    function assertGe(uint256 left, uint256 right, string calldata error) external pure;
    function assertEq(bytes calldata left, bytes calldata right, string calldata error) external pure;

    /*//////////////////////////////////////////////////////////////
                                 UTILS
    //////////////////////////////////////////////////////////////*/

    function toString(uint256 value) external pure returns (string memory);
}

/// @notice A contract and those of its functions the invariant fuzzer may call (forge-std's
///         `StdInvariant.FuzzSelector`).
struct FuzzSelector {
    address addr;
    bytes4[] selectors;
}

/// @notice Base contract for forge tests: cheatcodes, assertions, fuzz bounds and invariant targets.
abstract contract Test {
    /*//////////////////////////////////////////////////////////////
                               CONSTANTS
    //////////////////////////////////////////////////////////////*/

    /// @dev forge's cheatcode address: `address(uint160(uint256(keccak256("hevm cheat code"))))`.
    Vm internal constant vm = Vm(0x7109709ECfa91a80626fF3989D68f67F5b1DD12D);

    /// @dev secp256k1 group order: private keys must be in [1, SECP256K1_ORDER).
    uint256 internal constant SECP256K1_ORDER =
        0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141;

    /// @notice forge treats a contract as a test suite when this returns true.
    bool public constant IS_TEST = true;

    /*//////////////////////////////////////////////////////////////
                                 LOGS
    //////////////////////////////////////////////////////////////*/

    /// @dev forge prints these (ds-test's log events) with `-vv`.
    event log_named_uint(string key, uint256 val);

    /*//////////////////////////////////////////////////////////////
                                STORAGE
    //////////////////////////////////////////////////////////////*/

    address[] private _targetedContracts;
    FuzzSelector[] private _targetedSelectors;

    /*//////////////////////////////////////////////////////////////
                               ASSERTIONS
    //////////////////////////////////////////////////////////////*/

    function assertTrue(bool condition, string memory err) internal pure {
        vm.assertTrue(condition, err);
    }

    function assertFalse(bool condition, string memory err) internal pure {
        vm.assertFalse(condition, err);
    }

    function assertEq(bool left, bool right, string memory err) internal pure {
        vm.assertEq(left, right, err);
    }

    function assertEq(uint256 left, uint256 right, string memory err) internal pure {
        vm.assertEq(left, right, err);
    }

    function assertEq(address left, address right, string memory err) internal pure {
        vm.assertEq(left, right, err);
    }

    function assertEq(bytes32 left, bytes32 right, string memory err) internal pure {
        vm.assertEq(left, right, err);
    }

    function assertEq(string memory left, string memory right, string memory err) internal pure {
        vm.assertEq(left, right, err);
    }

    function assertGt(uint256 left, uint256 right, string memory err) internal pure {
        vm.assertGt(left, right, err);
    }

    function assertLe(uint256 left, uint256 right, string memory err) internal pure {
        vm.assertLe(left, right, err);
    }

    function assertGe(uint256 left, uint256 right, string memory err) internal pure {
        vm.assertGe(left, right, err);
    }

    function assertEq(bytes memory left, bytes memory right, string memory err) internal pure {
        vm.assertEq(left, right, err);
    }

    /*//////////////////////////////////////////////////////////////
                                HELPERS
    //////////////////////////////////////////////////////////////*/

    /// @dev Maps any fuzzed `x` into [min, max]; values already inside are kept, so the fuzzer's
    ///      dictionary values (0, 1, max...) survive.
    function bound(uint256 x, uint256 min, uint256 max) internal pure returns (uint256) {
        require(min <= max, "bound: min > max");
        if (x >= min && x <= max) return x;
        uint256 span = max - min;
        if (span == type(uint256).max) return x;
        return min + (x % (span + 1));
    }

    /// @dev A fuzzed value turned into a valid secp256k1 private key.
    function boundPrivateKey(uint256 key) internal pure returns (uint256) {
        return bound(key, 1, SECP256K1_ORDER - 1);
    }

    /// @dev Deterministic labelled account derived from `name` (its key is `uint256(keccak256(name))`).
    function makeAddr(string memory name) internal returns (address account) {
        (account,) = makeAddrAndKey(name);
    }

    /// @dev Deterministic labelled account with its key, derived from `name`.
    function makeAddrAndKey(string memory name) internal returns (address account, uint256 privateKey) {
        privateKey = uint256(keccak256(bytes(name)));
        account = vm.addr(privateKey);
        vm.label(account, name);
    }

    /*//////////////////////////////////////////////////////////////
                           INVARIANT TARGETS
    //////////////////////////////////////////////////////////////*/

    /// @dev Restricts invariant fuzzing to `target` (call once per target in `setUp`).
    function targetContract(address target) internal {
        _targetedContracts.push(target);
    }

    /// @dev Restricts invariant fuzzing of `selector.addr` to `selector.selectors`.
    function targetSelector(FuzzSelector memory selector) internal {
        _targetedSelectors.push(selector);
    }

    /// @notice Read by forge's invariant runner: when non-empty, only these contracts are called.
    function targetContracts() public view returns (address[] memory) {
        return _targetedContracts;
    }

    /// @notice Read by forge's invariant runner: when non-empty, only these functions are called.
    function targetSelectors() public view returns (FuzzSelector[] memory) {
        return _targetedSelectors;
    }
}
