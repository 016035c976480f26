# Where the test container runtimes live and what a test needs to use one. Only sets variables:
# tests/ and the folders it adds after runtimes/ have them already; any other CMake file may
# include this. tests/runtimes/CMakeLists.txt registers the fixtures; a test that needs a runtime
# adds the properties below, e.g.
#   set_tests_properties(my_test PROPERTIES ${VIGIL_DOCKER_TEST_PROPERTIES})
#   gtest_discover_tests(t PROPERTIES ${VIGIL_DOCKER_TEST_PROPERTIES} LABELS "containers;root")
# The fixture is skipped (exit 77) without root or without the runtime; ctest still runs the tests
# that require it then, so they must skip themselves when the socket is missing.
set(VIGIL_RUNTIMES_DIR "${CMAKE_BINARY_DIR}/runtimes")
set(VIGIL_DOCKER_DIR "${VIGIL_RUNTIMES_DIR}/docker")
set(VIGIL_DOCKER_HOST "unix://${VIGIL_DOCKER_DIR}/docker.sock")
set(VIGIL_DOCKER_FIXTURE docker)
set(VIGIL_CONTAINERD_DIR "${VIGIL_RUNTIMES_DIR}/containerd")
set(VIGIL_CONTAINERD_ADDRESS "${VIGIL_CONTAINERD_DIR}/containerd.sock")
set(VIGIL_CONTAINERD_NAMESPACE k8s.io)
set(VIGIL_CONTAINERD_FIXTURE containerd)
# One environment variable each, so the lists survive gtest_discover_tests' PROPERTIES.
set(VIGIL_DOCKER_TEST_PROPERTIES
    FIXTURES_REQUIRED ${VIGIL_DOCKER_FIXTURE} ENVIRONMENT "DOCKER_HOST=${VIGIL_DOCKER_HOST}")
set(VIGIL_CONTAINERD_TEST_PROPERTIES
    FIXTURES_REQUIRED ${VIGIL_CONTAINERD_FIXTURE}
    ENVIRONMENT "CONTAINERD_ADDRESS=${VIGIL_CONTAINERD_ADDRESS}")
