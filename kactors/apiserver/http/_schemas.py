"""The field table behind :mod:`.openapi`: each built-in type, its fields, their types.

One entry per type: ``"ShortName": (package, description, {field: "type description"})``.
A field's text is its type, then a space and its description. Types:

* ``string`` ``boolean`` ``integer`` (int32) ``int64`` ``number`` ``Time`` (RFC 3339)
  ``byte`` (base64) ``IntOrString`` ``Quantity``;
* ``[T]`` a list of T, ``{T}`` a map from strings to T;
* ``object`` an object whose fields are not listed here (``x-kubernetes-preserve-unknown-
  fields``: anything is accepted, ``kubectl explain`` shows no deeper);
* a capitalised name: another entry of this table;
* a trailing ``!`` marks the field required.

Kinds (``KINDS``) get ``apiVersion``, ``kind`` and ``metadata`` added. The descriptions are
shortened from Kubernetes' own (``k8s.io/api`` doc comments).
"""

from __future__ import annotations

CORE = "io.k8s.api.core.v1"
APPS = "io.k8s.api.apps.v1"
BATCH = "io.k8s.api.batch.v1"
META = "io.k8s.apimachinery.pkg.apis.meta.v1"
RBAC = "io.k8s.api.rbac.v1"
COORDINATION = "io.k8s.api.coordination.v1"
DISCOVERY = "io.k8s.api.discovery.v1"
NETWORKING = "io.k8s.api.networking.v1"
AUTHORIZATION = "io.k8s.api.authorization.v1"
APIEXTENSIONS = "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1"
STORAGE = "io.k8s.api.storage.v1"
AUTOSCALING = "io.k8s.api.autoscaling.v2"

#: the definition package of each built-in API group
GROUP_PACKAGES = {
    "": CORE, "apps": APPS, "batch": BATCH, "rbac.authorization.k8s.io": RBAC,
    "coordination.k8s.io": COORDINATION, "authorization.k8s.io": AUTHORIZATION,
    "discovery.k8s.io": DISCOVERY, "storage.k8s.io": STORAGE,
    "networking.k8s.io": NETWORKING, "autoscaling": AUTOSCALING,
    "apiextensions.k8s.io": APIEXTENSIONS,
}

#: field-table keys whose definition's short name is another (a name two packages share)
RENAMED = {"DiscoveryEndpointPort": "EndpointPort"}

_COND = {
    "lastTransitionTime": "Time Last time the condition transitioned from one status to another.",
    "message": "string A human readable message indicating details about the transition.",
    "reason": "string The reason for the condition's last transition.",
    "status": "string! Status of the condition, one of True, False, Unknown.",
    "type": "string! Type of condition.",
}

#: every volume source a Volume may name (their own fields are not described here)
_VOLUME_SOURCES = (
    "awsElasticBlockStore", "azureDisk", "azureFile", "cephfs", "cinder", "configMap", "csi",
    "downwardAPI", "emptyDir", "ephemeral", "fc", "flexVolume", "flocker", "gcePersistentDisk",
    "gitRepo", "glusterfs", "hostPath", "image", "iscsi", "nfs", "persistentVolumeClaim",
    "photonPersistentDisk", "portworxVolume", "projected", "quobyte", "rbd", "scaleIO",
    "secret", "storageos", "vsphereVolume",
)

Fields = dict[str, str]
TYPES: dict[str, tuple[str, str, Fields]] = {
    # -- meta ---------------------------------------------------------------------------------
    "ObjectMeta": (META, "ObjectMeta is metadata that all persisted resources must have.", {
        "annotations": "{string} Annotations is an unstructured key value map stored with a "
                       "resource that may be set by external tools.",
        "creationTimestamp": "Time The server time when this object was created.",
        "deletionGracePeriodSeconds": "int64 Seconds allowed for this object to terminate "
                                      "gracefully before it is removed from the system.",
        "deletionTimestamp": "Time RFC 3339 date and time at which this resource will be "
                             "deleted.",
        "finalizers": "[string] Must be empty before the object is deleted from the registry.",
        "generateName": "string An optional prefix, used by the server, to generate a unique "
                        "name ONLY IF the Name field has not been provided.",
        "generation": "int64 A sequence number representing a specific generation of the "
                      "desired state.",
        "labels": "{string} Map of string keys and values that can be used to organize and "
                  "categorize (scope and select) objects.",
        "managedFields": "[ManagedFieldsEntry] Maps workflow-id and version to the set of "
                         "fields that are managed by that workflow.",
        "name": "string Name must be unique within a namespace.",
        "namespace": "string Namespace defines the space within which each name must be "
                     "unique.",
        "ownerReferences": "[OwnerReference] List of objects depended by this object.",
        "resourceVersion": "string An opaque value that represents the internal version of "
                           "this object.",
        "selfLink": "string Deprecated: selfLink is a legacy read-only field that is no "
                    "longer populated by the system.",
        "uid": "string UID is the unique in time and space value for this object.",
    }),
    "OwnerReference": (META, "OwnerReference contains enough information to let you identify "
                             "an owning object.", {
        "apiVersion": "string! API version of the referent.",
        "blockOwnerDeletion": "boolean If true, the owner cannot be deleted from the key-value "
                              "store until this reference is removed.",
        "controller": "boolean If true, this reference points to the managing controller.",
        "kind": "string! Kind of the referent.",
        "name": "string! Name of the referent.",
        "uid": "string! UID of the referent.",
    }),
    "ManagedFieldsEntry": (META, "A workflow-id, a FieldSet and the group version of the "
                                 "resource that the fieldset applies to.", {
        "apiVersion": "string The version of this resource that this field set applies to.",
        "fieldsType": "string The discriminator for the different fields format and version.",
        "fieldsV1": "object The field set in the FieldsV1 format.",
        "manager": "string An identifier of the workflow managing these fields.",
        "operation": "string The type of operation which lead to this entry: Apply, Update.",
        "subresource": "string The name of the subresource used to update that object.",
        "time": "Time Timestamp of when the last field was added to the entry.",
    }),
    "LabelSelector": (META, "A label query over a set of resources. An empty label selector "
                            "matches all objects; a null one matches no objects.", {
        "matchExpressions": "[LabelSelectorRequirement] A list of label selector "
                            "requirements. The requirements are ANDed.",
        "matchLabels": "{string} A map of {key,value} pairs, each equivalent to an element of "
                       "matchExpressions with operator In and a single value.",
    }),
    "LabelSelectorRequirement": (META, "A selector that contains values, a key, and an "
                                       "operator that relates the key and values.", {
        "key": "string! The label key that the selector applies to.",
        "operator": "string! A key's relationship to a set of values: In, NotIn, Exists and "
                    "DoesNotExist.",
        "values": "[string] An array of string values.",
    }),
    # -- pods ---------------------------------------------------------------------------------
    "Pod": (CORE, "Pod is a collection of containers that can run on a host.", {
        "spec": "PodSpec Specification of the desired behavior of the pod.",
        "status": "PodStatus Most recently observed status of the pod.",
    }),
    "PodTemplateSpec": (CORE, "PodTemplateSpec describes the data a pod should have when "
                              "created from a template.", {
        "metadata": "ObjectMeta Standard object's metadata.",
        "spec": "PodSpec Specification of the desired behavior of the pod.",
    }),
    "PodSpec": (CORE, "PodSpec is a description of a pod.", {
        "activeDeadlineSeconds": "int64 Duration in seconds the pod may be active on the node "
                                 "relative to StartTime before the system will actively try "
                                 "to mark it failed and kill associated containers.",
        "affinity": "object If specified, the pod's scheduling constraints.",
        "automountServiceAccountToken": "boolean Indicates whether a service account token "
                                        "should be automatically mounted.",
        "containers": "[Container]! List of containers belonging to the pod.",
        "dnsConfig": "object Specifies the DNS parameters of a pod.",
        "dnsPolicy": "string Set DNS policy for the pod: ClusterFirstWithHostNet, "
                     "ClusterFirst, Default or None.",
        "enableServiceLinks": "boolean Indicates whether information about services should "
                              "be injected into pod's environment variables.",
        "ephemeralContainers": "[object] List of ephemeral containers run in this pod.",
        "hostAliases": "[object] Optional list of hosts and IPs that will be injected into "
                       "the pod's hosts file.",
        "hostIPC": "boolean Use the host's ipc namespace.",
        "hostNetwork": "boolean Host networking requested for this pod.",
        "hostPID": "boolean Use the host's pid namespace.",
        "hostUsers": "boolean Use the host's user namespace.",
        "hostname": "string Specifies the hostname of the Pod.",
        "imagePullSecrets": "[LocalObjectReference] References to secrets in the same "
                            "namespace to use for pulling any of the images.",
        "initContainers": "[Container] List of initialization containers belonging to the "
                          "pod.",
        "nodeName": "string Indicates in which node this pod is scheduled.",
        "nodeSelector": "{string} A selector which must be true for the pod to fit on a node.",
        "os": "object Specifies the OS of the containers in the pod.",
        "overhead": "{Quantity} The resource overhead associated with running a pod for a "
                    "given RuntimeClass.",
        "preemptionPolicy": "string Policy for preempting pods with lower priority.",
        "priority": "integer The priority value.",
        "priorityClassName": "string If specified, indicates the pod's priority.",
        "readinessGates": "[PodReadinessGate] If specified, all readiness gates will be "
                          "evaluated for pod readiness.",
        "resourceClaims": "[object] Defines which ResourceClaims must be allocated and "
                          "reserved before the Pod is allowed to start.",
        "resources": "ResourceRequirements The total amount of CPU and memory resources "
                     "required by all containers in the pod.",
        "restartPolicy": "string Restart policy for all containers within the pod: Always, "
                         "OnFailure, Never.",
        "runtimeClassName": "string Refers to a RuntimeClass object in the node.k8s.io group.",
        "schedulerName": "string If specified, the pod will be dispatched by specified "
                         "scheduler.",
        "schedulingGates": "[object] An opaque list of values that if specified will block "
                           "scheduling the pod.",
        "securityContext": "object Holds pod-level security attributes and common container "
                           "settings.",
        "serviceAccount": "string Deprecated alias for ServiceAccountName.",
        "serviceAccountName": "string The name of the ServiceAccount to use to run this pod.",
        "setHostnameAsFQDN": "boolean If true the pod's hostname will be configured as the "
                             "pod's FQDN.",
        "shareProcessNamespace": "boolean Share a single process namespace between all of "
                                 "the containers in a pod.",
        "subdomain": "string If specified, the fully qualified Pod hostname will be "
                     "<hostname>.<subdomain>.<pod namespace>.svc.<cluster domain>.",
        "terminationGracePeriodSeconds": "int64 Optional duration in seconds the pod needs to "
                                         "terminate gracefully.",
        "tolerations": "[Toleration] If specified, the pod's tolerations.",
        "topologySpreadConstraints": "[object] Describes how a group of pods ought to spread "
                                     "across topology domains.",
        "volumes": "[Volume] List of volumes that can be mounted by containers belonging to "
                   "the pod.",
    }),
    "Container": (CORE, "A single application container that you want to run within a pod.", {
        "args": "[string] Arguments to the entrypoint.",
        "command": "[string] Entrypoint array. Not executed within a shell.",
        "env": "[EnvVar] List of environment variables to set in the container.",
        "envFrom": "[EnvFromSource] List of sources to populate environment variables in the "
                   "container.",
        "image": "string Container image name.",
        "imagePullPolicy": "string Image pull policy: Always, Never, IfNotPresent.",
        "lifecycle": "object Actions that the management system should take in response to "
                     "container lifecycle events.",
        "livenessProbe": "Probe Periodic probe of container liveness.",
        "name": "string! Name of the container specified as a DNS_LABEL.",
        "ports": "[ContainerPort] List of ports to expose from the container.",
        "readinessProbe": "Probe Periodic probe of container service readiness.",
        "resizePolicy": "[object] Resources resize policy for the container.",
        "resources": "ResourceRequirements Compute Resources required by this container.",
        "restartPolicy": "string Restart policy of an init container (Always: a sidecar).",
        "securityContext": "object Security options the container should be run with.",
        "startupProbe": "Probe Indicates that the Pod has successfully initialized.",
        "stdin": "boolean Whether this container should allocate a buffer for stdin.",
        "stdinOnce": "boolean Whether the container runtime should close the stdin channel "
                     "after it has been opened by a single attach.",
        "terminationMessagePath": "string Path at which the file to which the container's "
                                  "termination message will be written is mounted.",
        "terminationMessagePolicy": "string Indicate how the termination message should be "
                                    "populated: File or FallbackToLogsOnError.",
        "tty": "boolean Whether this container should allocate a TTY for itself.",
        "volumeDevices": "[object] The list of block devices to be used by the container.",
        "volumeMounts": "[VolumeMount] Pod volumes to mount into the container's filesystem.",
        "workingDir": "string Container's working directory.",
    }),
    "ContainerPort": (CORE, "ContainerPort represents a network port in a single container.", {
        "containerPort": "integer! Number of port to expose on the pod's IP address.",
        "hostIP": "string What host IP to bind the external port to.",
        "hostPort": "integer Number of port to expose on the host.",
        "name": "string An IANA_SVC_NAME, unique within the pod, that can be referred to by "
                "services.",
        "protocol": "string Protocol for port: UDP, TCP, or SCTP. Defaults to TCP.",
    }),
    "EnvVar": (CORE, "EnvVar represents an environment variable present in a Container.", {
        "name": "string! Name of the environment variable.",
        "value": "string Variable references $(VAR_NAME) are expanded using the previously "
                 "defined environment variables in the container.",
        "valueFrom": "object Source for the environment variable's value.",
    }),
    "EnvFromSource": (CORE, "EnvFromSource represents the source of a set of ConfigMaps or "
                            "Secrets.", {
        "configMapRef": "object The ConfigMap to select from.",
        "prefix": "string An optional identifier to prepend to each key in the ConfigMap.",
        "secretRef": "object The Secret to select from.",
    }),
    "ResourceRequirements": (CORE, "ResourceRequirements describes the compute resource "
                                   "requirements.", {
        "claims": "[object] The names of resources, defined in spec.resourceClaims, that are "
                  "used by this container.",
        "limits": "{Quantity} The maximum amount of compute resources allowed.",
        "requests": "{Quantity} The minimum amount of compute resources required.",
    }),
    "Probe": (CORE, "Probe describes a health check to be performed against a container to "
                    "determine whether it is alive or ready to receive traffic.", {
        "exec": "object Exec specifies a command to execute in the container.",
        "failureThreshold": "integer Minimum consecutive failures for the probe to be "
                            "considered failed after having succeeded.",
        "grpc": "object GRPC specifies a GRPC HealthCheckRequest.",
        "httpGet": "object HTTPGet specifies an HTTP GET request to perform.",
        "initialDelaySeconds": "integer Number of seconds after the container has started "
                               "before liveness probes are initiated.",
        "periodSeconds": "integer How often (in seconds) to perform the probe.",
        "successThreshold": "integer Minimum consecutive successes for the probe to be "
                            "considered successful after having failed.",
        "tcpSocket": "object TCPSocket specifies a connection to a TCP port.",
        "terminationGracePeriodSeconds": "int64 Optional duration in seconds the pod needs to "
                                         "terminate gracefully upon probe failure.",
        "timeoutSeconds": "integer Number of seconds after which the probe times out.",
    }),
    "VolumeMount": (CORE, "VolumeMount describes a mounting of a Volume within a container.", {
        "mountPath": "string! Path within the container at which the volume should be mounted.",
        "mountPropagation": "string Determines how mounts are propagated from the host to "
                            "container and the other way around.",
        "name": "string! This must match the Name of a Volume.",
        "readOnly": "boolean Mounted read-only if true, read-write otherwise.",
        "recursiveReadOnly": "string Specifies whether read-only mounts should be handled "
                             "recursively.",
        "subPath": "string Path within the volume from which the container's volume should be "
                   "mounted.",
        "subPathExpr": "string Expanded path within the volume from which the container's "
                       "volume should be mounted.",
    }),
    "Volume": (CORE, "Volume represents a named volume in a pod that may be accessed by any "
                     "container in the pod.", {
        "name": "string! Name of the volume. Must be a DNS_LABEL and unique within the pod.",
        **{source: "object A volume source (one per volume)." for source in _VOLUME_SOURCES},
    }),
    "Toleration": (CORE, "The pod this Toleration is attached to tolerates any taint that "
                         "matches the triple <key,value,effect>.", {
        "effect": "string The taint effect to match: NoSchedule, PreferNoSchedule and "
                  "NoExecute.",
        "key": "string The taint key that the toleration applies to.",
        "operator": "string A key's relationship to the value: Exists and Equal.",
        "tolerationSeconds": "int64 The period of time the toleration tolerates the taint.",
        "value": "string The taint value the toleration matches to.",
    }),
    "PodReadinessGate": (CORE, "PodReadinessGate contains the reference to a pod condition.", {
        "conditionType": "string! Refers to a condition in the pod's condition list with "
                         "matching type.",
    }),
    "LocalObjectReference": (CORE, "A reference to an object in the same namespace.", {
        "name": "string Name of the referent.",
    }),
    "PodStatus": (CORE, "PodStatus represents information about the status of a pod.", {
        "conditions": "[PodCondition] Current service state of pod.",
        "containerStatuses": "[ContainerStatus] The status of each container in the "
                             "manifest.",
        "ephemeralContainerStatuses": "[ContainerStatus] Status for any ephemeral containers.",
        "hostIP": "string The IP address of the host to which the pod is assigned.",
        "hostIPs": "[object] The IP addresses allocated to the host.",
        "initContainerStatuses": "[ContainerStatus] The status of each init container.",
        "message": "string A human readable message indicating details about why the pod is "
                   "in this condition.",
        "nominatedNodeName": "string Set only when this pod preempts other pods on the node.",
        "phase": "string Pending, Running, Succeeded, Failed or Unknown.",
        "podIP": "string The IP address allocated to the pod.",
        "podIPs": "[PodIP] The IP addresses allocated to the pod.",
        "qosClass": "string The Quality of Service classification: Guaranteed, Burstable, "
                    "BestEffort.",
        "reason": "string A brief CamelCase message indicating details about why the pod is "
                  "in this state.",
        "resize": "string Status of resources resize desired for pod's containers.",
        "resourceClaimStatuses": "[object] Status of resource claims.",
        "startTime": "Time RFC 3339 date and time at which the object was acknowledged by the "
                     "Kubelet.",
    }),
    "PodCondition": (CORE, "PodCondition contains details for the current condition of this "
                           "pod.", {
        "lastProbeTime": "Time Last time we probed the condition.", **_COND}),
    "PodIP": (CORE, "PodIP represents a single IP address allocated to the pod.", {
        "ip": "string! IP is the IP address assigned to the pod.",
    }),
    "ContainerStatus": (CORE, "ContainerStatus contains details for the current status of "
                              "this container.", {
        "allocatedResources": "{Quantity} Compute resources allocated for this container by "
                              "the node.",
        "allocatedResourcesStatus": "[object] Status of resources allocated for this "
                                    "container.",
        "containerID": "string The ID of the container in the format "
                       "'<type>://<container_id>'.",
        "image": "string! The name of the container image that the container is running.",
        "imageID": "string! The image ID of the container's image.",
        "lastState": "ContainerState Details about the container's last termination "
                     "condition.",
        "name": "string! A DNS_LABEL, unique within the pod.",
        "ready": "boolean! Whether the container is currently passing its readiness check.",
        "resources": "ResourceRequirements Compute resource requests and limits applied.",
        "restartCount": "integer! The number of times the container has been restarted.",
        "started": "boolean Whether the container has finished its postStart lifecycle hook "
                   "and passed its startup probe.",
        "state": "ContainerState Details about the container's current condition.",
        "user": "object User identity information initially attached to the first process.",
        "volumeMounts": "[object] Status of volume mounts.",
    }),
    "ContainerState": (CORE, "Possible states of a container: only one may be set.", {
        "running": "ContainerStateRunning Details about a running container.",
        "terminated": "ContainerStateTerminated Details about a terminated container.",
        "waiting": "ContainerStateWaiting Details about a waiting container.",
    }),
    "ContainerStateRunning": (CORE, "A running state of a container.", {
        "startedAt": "Time Time at which the container was last (re-)started.",
    }),
    "ContainerStateTerminated": (CORE, "A terminated state of a container.", {
        "containerID": "string Container's ID in the format '<type>://<container_id>'.",
        "exitCode": "integer! Exit status from the last termination of the container.",
        "finishedAt": "Time Time at which the container last terminated.",
        "message": "string Message regarding the last termination of the container.",
        "reason": "string (brief) reason from the last termination of the container.",
        "signal": "integer Signal from the last termination of the container.",
        "startedAt": "Time Time at which previous execution of the container started.",
    }),
    "ContainerStateWaiting": (CORE, "A waiting state of a container.", {
        "message": "string Message regarding why the container is not yet running.",
        "reason": "string (brief) reason the container is not yet running.",
    }),
    # -- workloads ----------------------------------------------------------------------------
    "Deployment": (APPS, "Deployment enables declarative updates for Pods and ReplicaSets.", {
        "spec": "DeploymentSpec Specification of the desired behavior of the Deployment.",
        "status": "DeploymentStatus Most recently observed status of the Deployment.",
    }),
    "DeploymentSpec": (APPS, "DeploymentSpec is the specification of the desired behavior of "
                             "the Deployment.", {
        "minReadySeconds": "integer Minimum number of seconds for which a newly created pod "
                           "should be ready without any of its container crashing.",
        "paused": "boolean Indicates that the deployment is paused.",
        "progressDeadlineSeconds": "integer The maximum time in seconds for a deployment to "
                                   "make progress before it is considered to be failed.",
        "replicas": "integer Number of desired pods. Defaults to 1.",
        "revisionHistoryLimit": "integer The number of old ReplicaSets to retain to allow "
                                "rollback. Defaults to 10.",
        "selector": "LabelSelector! Label selector for pods.",
        "strategy": "DeploymentStrategy The deployment strategy to use to replace existing "
                    "pods with new ones.",
        "template": "PodTemplateSpec! Template describes the pods that will be created.",
    }),
    "DeploymentStrategy": (APPS, "DeploymentStrategy describes how to replace existing pods "
                                 "with new ones.", {
        "rollingUpdate": "RollingUpdateDeployment Rolling update config params.",
        "type": "string Type of deployment: Recreate or RollingUpdate (the default).",
    }),
    "RollingUpdateDeployment": (APPS, "Spec to control the desired behavior of rolling "
                                      "update.", {
        "maxSurge": "IntOrString The maximum number of pods that can be scheduled above the "
                    "desired number of pods.",
        "maxUnavailable": "IntOrString The maximum number of pods that can be unavailable "
                          "during the update.",
    }),
    "DeploymentStatus": (APPS, "DeploymentStatus is the most recently observed status of the "
                               "Deployment.", {
        "availableReplicas": "integer Total number of available pods targeted by this "
                             "deployment.",
        "collisionCount": "integer Count of hash collisions for the Deployment.",
        "conditions": "[DeploymentCondition] Represents the latest available observations of "
                      "a deployment's current state.",
        "observedGeneration": "int64 The generation observed by the deployment controller.",
        "readyReplicas": "integer Number of pods targeted by this Deployment with a Ready "
                         "Condition.",
        "replicas": "integer Total number of non-terminated pods targeted by this deployment.",
        "unavailableReplicas": "integer Total number of unavailable pods targeted by this "
                               "deployment.",
        "updatedReplicas": "integer Total number of non-terminated pods targeted by this "
                           "deployment that have the desired template spec.",
    }),
    "DeploymentCondition": (APPS, "DeploymentCondition describes the state of a deployment at "
                                  "a certain point.", {
        "lastUpdateTime": "Time The last time this condition was updated.", **_COND}),
    "ReplicaSet": (APPS, "ReplicaSet ensures that a specified number of pod replicas are "
                         "running at any given time.", {
        "spec": "ReplicaSetSpec Spec defines the specification of the desired behavior of the "
                "ReplicaSet.",
        "status": "ReplicaSetStatus The most recently observed status of the ReplicaSet.",
    }),
    "ReplicaSetSpec": (APPS, "ReplicaSetSpec is the specification of a ReplicaSet.", {
        "minReadySeconds": "integer Minimum number of seconds for which a newly created pod "
                           "should be ready.",
        "replicas": "integer The number of desired pods. Defaults to 1.",
        "selector": "LabelSelector! A label query over pods that should match the replica "
                    "count.",
        "template": "PodTemplateSpec The object that describes the pod that will be created "
                    "if insufficient replicas are detected.",
    }),
    "ReplicaSetStatus": (APPS, "ReplicaSetStatus represents the current status of a "
                               "ReplicaSet.", {
        "availableReplicas": "integer The number of available replicas for this replica set.",
        "conditions": "[ReplicaSetCondition] The latest available observations of a replica "
                      "set's current state.",
        "fullyLabeledReplicas": "integer The number of pods that have labels matching the "
                                "labels of the pod template of the replicaset.",
        "observedGeneration": "int64 The most recent generation observed by the ReplicaSet.",
        "readyReplicas": "integer The number of pods targeted by this ReplicaSet with a Ready "
                         "Condition.",
        "replicas": "integer! The most recently observed number of non-terminating pods.",
    }),
    "ReplicaSetCondition": (APPS, "ReplicaSetCondition describes the state of a replica set "
                                  "at a certain point.", dict(_COND)),
    "ControllerRevision": (APPS, "ControllerRevision implements an immutable snapshot of "
                                 "state data.", {
        "data": "object Data is the serialized representation of the state.",
        "revision": "int64! Revision indicates the revision of the state represented by "
                    "Data.",
    }),
    "StatefulSet": (APPS, "StatefulSet represents a set of pods with consistent identities.", {
        "spec": "StatefulSetSpec Spec defines the desired identities of pods in this set.",
        "status": "StatefulSetStatus The current status of Pods in this StatefulSet.",
    }),
    "StatefulSetSpec": (APPS, "A StatefulSetSpec is the specification of a StatefulSet.", {
        "minReadySeconds": "integer Minimum number of seconds for which a newly created pod "
                           "should be ready.",
        "ordinals": "object Controls the numbering of replica indices in a StatefulSet.",
        "persistentVolumeClaimRetentionPolicy": "object Describes the lifecycle of persistent "
                                                "volume claims created from "
                                                "volumeClaimTemplates.",
        "podManagementPolicy": "string Controls how pods are created during initial scale up: "
                               "OrderedReady (the default) or Parallel.",
        "replicas": "integer The desired number of replicas. Defaults to 1.",
        "revisionHistoryLimit": "integer The maximum number of revisions that will be "
                                "maintained in the StatefulSet's revision history.",
        "selector": "LabelSelector! A label query over pods that should match the replica "
                    "count.",
        "serviceName": "string The name of the service that governs this StatefulSet.",
        "template": "PodTemplateSpec! The object that describes the pod that will be created "
                    "if insufficient replicas are detected.",
        "updateStrategy": "StatefulSetUpdateStrategy The strategy used to update Pods in the "
                          "StatefulSet when a revision is made to Template.",
        "volumeClaimTemplates": "[object] A list of claims that pods are allowed to "
                                "reference.",
    }),
    "StatefulSetUpdateStrategy": (APPS, "The strategy the StatefulSet controller uses to "
                                        "perform updates.", {
        "rollingUpdate": "object Parameters when Type is RollingUpdateStatefulSetStrategyType.",
        "type": "string Type of StatefulSet update: RollingUpdate (the default) or OnDelete.",
    }),
    "StatefulSetStatus": (APPS, "StatefulSetStatus represents the current state of a "
                                "StatefulSet.", {
        "availableReplicas": "integer Total number of available pods targeted by this "
                             "statefulset.",
        "collisionCount": "integer The count of hash collisions for the StatefulSet.",
        "conditions": "[object] The latest available observations of a statefulset's current "
                      "state.",
        "currentReplicas": "integer The number of Pods created by the StatefulSet controller "
                           "from the StatefulSet version indicated by currentRevision.",
        "currentRevision": "string The version of the StatefulSet used to generate Pods in "
                           "the sequence [0,currentReplicas).",
        "observedGeneration": "int64 The most recent generation observed for this "
                              "StatefulSet.",
        "readyReplicas": "integer The number of pods created for this StatefulSet with a "
                         "Ready Condition.",
        "replicas": "integer! The number of Pods created by the StatefulSet controller.",
        "updateRevision": "string The version of the StatefulSet used to generate Pods in the "
                          "sequence [replicas-updatedReplicas,replicas).",
        "updatedReplicas": "integer The number of Pods created by the StatefulSet controller "
                           "from the StatefulSet version indicated by updateRevision.",
    }),
    "DaemonSet": (APPS, "DaemonSet represents the configuration of a daemon set.", {
        "spec": "DaemonSetSpec The desired behavior of this daemon set.",
        "status": "DaemonSetStatus The current status of this daemon set.",
    }),
    "DaemonSetSpec": (APPS, "DaemonSetSpec is the specification of a daemon set.", {
        "minReadySeconds": "integer The minimum number of seconds for which a newly created "
                           "DaemonSet pod should be ready.",
        "revisionHistoryLimit": "integer The number of old history to retain to allow "
                                "rollback.",
        "selector": "LabelSelector! A label query over pods that are managed by the daemon "
                    "set.",
        "template": "PodTemplateSpec! An object that describes the pod that will be created.",
        "updateStrategy": "DaemonSetUpdateStrategy An update strategy to replace existing "
                          "DaemonSet pods with new pods.",
    }),
    "DaemonSetUpdateStrategy": (APPS, "DaemonSetUpdateStrategy is a struct used to control "
                                      "the update strategy for a DaemonSet.", {
        "rollingUpdate": "object Rolling update config params (maxSurge, maxUnavailable).",
        "type": "string Type of daemon set update: RollingUpdate (the default) or OnDelete.",
    }),
    "DaemonSetStatus": (APPS, "DaemonSetStatus represents the current status of a daemon "
                              "set.", {
        "collisionCount": "integer Count of hash collisions for the DaemonSet.",
        "conditions": "[object] The latest available observations of a DaemonSet's current "
                      "state.",
        "currentNumberScheduled": "integer! The number of nodes that are running at least 1 "
                                  "daemon pod and are supposed to run the daemon pod.",
        "desiredNumberScheduled": "integer! The total number of nodes that should be running "
                                  "the daemon pod.",
        "numberAvailable": "integer The number of nodes that should be running the daemon pod "
                           "and have one or more of the daemon pod running and available.",
        "numberMisscheduled": "integer! The number of nodes that are running the daemon pod, "
                              "but are not supposed to run the daemon pod.",
        "numberReady": "integer! The number of nodes that should be running the daemon pod "
                       "and have one or more of the daemon pod running with a Ready "
                       "Condition.",
        "numberUnavailable": "integer The number of nodes that should be running the daemon "
                             "pod and have none of the daemon pod running and available.",
        "observedGeneration": "int64 The most recent generation observed by the daemon set "
                              "controller.",
        "updatedNumberScheduled": "integer The total number of nodes that are running updated "
                                  "daemon pod.",
    }),
    "Job": (BATCH, "Job represents the configuration of a single job.", {
        "spec": "JobSpec Specification of the desired behavior of a job.",
        "status": "JobStatus Current status of a job.",
    }),
    "JobSpec": (BATCH, "JobSpec describes how the job execution will look like.", {
        "activeDeadlineSeconds": "int64 The duration in seconds relative to the startTime "
                                 "that the job may be continuously active before the system "
                                 "tries to terminate it.",
        "backoffLimit": "integer The number of retries before marking this job failed. "
                        "Defaults to 6.",
        "backoffLimitPerIndex": "integer The limit for the number of retries within an index "
                                "before marking this index as failed.",
        "completionMode": "string How Pod completions are tracked: NonIndexed (the default) or "
                          "Indexed.",
        "completions": "integer The desired number of successfully finished pods the job "
                       "should be run with.",
        "managedBy": "string The controller which manages the Job.",
        "manualSelector": "boolean Controls generation of pod labels and pod selectors.",
        "maxFailedIndexes": "integer The maximal number of failed indexes before marking the "
                            "Job as failed.",
        "parallelism": "integer The maximum desired number of pods the job should run at any "
                       "given time.",
        "podFailurePolicy": "object The policy of handling failed pods.",
        "podReplacementPolicy": "string When to create replacement Pods: TerminatingOrFailed "
                                "or Failed.",
        "selector": "LabelSelector A label query over pods that should match the pod count.",
        "successPolicy": "object The policy when the Job can be declared as succeeded.",
        "suspend": "boolean Whether the Job controller should create Pods or not.",
        "template": "PodTemplateSpec! Describes the pod that will be created when executing a "
                    "job.",
        "ttlSecondsAfterFinished": "integer Limits the lifetime of a Job that has finished "
                                   "execution.",
    }),
    "JobStatus": (BATCH, "JobStatus represents the current state of a Job.", {
        "active": "integer The number of pending and running pods which are not terminating.",
        "completedIndexes": "string Completed indexes when .spec.completionMode = Indexed in "
                            "a text format.",
        "completionTime": "Time The time when the job was completed.",
        "conditions": "[JobCondition] The latest available observations of an object's "
                      "current state.",
        "failed": "integer The number of pods which reached phase Failed.",
        "failedIndexes": "string The failed indexes when spec.backoffLimitPerIndex is set.",
        "ready": "integer The number of active pods which have a Ready condition.",
        "startTime": "Time When the job controller started processing the job.",
        "succeeded": "integer The number of pods which reached phase Succeeded.",
        "terminating": "integer The number of pods which are terminating.",
        "uncountedTerminatedPods": "object The UIDs of Pods that have terminated but the job "
                                   "controller hasn't yet accounted for in the status "
                                   "counters.",
    }),
    "JobCondition": (BATCH, "JobCondition describes current state of a job.", {
        "lastProbeTime": "Time Last time the condition was checked.", **_COND}),
    # -- services and discovery ---------------------------------------------------------------
    "Service": (CORE, "A named abstraction of software service consisting of a local port "
                      "that the proxy listens on, and the selector that determines which "
                      "pods will answer requests sent through the proxy.", {
        "spec": "ServiceSpec Spec defines the behavior of a service.",
        "status": "ServiceStatus Most recently observed status of the service.",
    }),
    "ServiceSpec": (CORE, "ServiceSpec describes the attributes that a user creates on a "
                          "service.", {
        "allocateLoadBalancerNodePorts": "boolean Whether NodePorts will be automatically "
                                         "allocated for services with type LoadBalancer.",
        "clusterIP": "string The IP address of the service, usually assigned randomly.",
        "clusterIPs": "[string] A list of IP addresses assigned to this service.",
        "externalIPs": "[string] A list of IP addresses for which nodes in the cluster will "
                       "also accept traffic for this service.",
        "externalName": "string The external reference that discovery mechanisms will return "
                        "as an alias for this service (type ExternalName).",
        "externalTrafficPolicy": "string How nodes distribute service traffic they receive on "
                                 "one of the Service's externally-facing addresses: Cluster "
                                 "or Local.",
        "healthCheckNodePort": "integer The healthcheck nodePort for the service.",
        "internalTrafficPolicy": "string How nodes distribute service traffic they receive on "
                                 "the ClusterIP: Cluster or Local.",
        "ipFamilies": "[string] A list of IP families (IPv4, IPv6) assigned to this service.",
        "ipFamilyPolicy": "string The dual-stack-ness requested or required by this Service.",
        "loadBalancerClass": "string The class of the load balancer implementation this "
                             "Service belongs to.",
        "loadBalancerIP": "string Deprecated: only applies to Service Type LoadBalancer.",
        "loadBalancerSourceRanges": "[string] Client IPs allowed through a cloud load "
                                    "balancer.",
        "ports": "[ServicePort] The list of ports that are exposed by this service.",
        "publishNotReadyAddresses": "boolean Whether endpoints of this Service include "
                                    "addresses of pods that are not ready.",
        "selector": "{string} Route service traffic to pods with label keys and values "
                    "matching this selector.",
        "sessionAffinity": "string ClientIP or None (the default).",
        "sessionAffinityConfig": "object The configurations of session affinity.",
        "trafficDistribution": "string How to distribute traffic to service endpoints.",
        "type": "string How the Service is exposed: ClusterIP (the default), NodePort, "
                "LoadBalancer or ExternalName.",
    }),
    "ServicePort": (CORE, "ServicePort contains information on service's port.", {
        "appProtocol": "string The application protocol for this port.",
        "name": "string The name of this port within the service.",
        "nodePort": "integer The port on each node on which this service is exposed when "
                    "type is NodePort or LoadBalancer.",
        "port": "integer! The port that will be exposed by this service.",
        "protocol": "string The IP protocol for this port: TCP (the default), UDP, SCTP.",
        "targetPort": "IntOrString Number or name of the port to access on the pods targeted "
                      "by the service.",
    }),
    "ServiceStatus": (CORE, "ServiceStatus represents the current status of a service.", {
        "conditions": "[object] Current service state.",
        "loadBalancer": "object The current status of the load-balancer, if one is present.",
    }),
    "Endpoints": (CORE, "Endpoints is a collection of endpoints that implement the actual "
                        "service.", {
        "subsets": "[EndpointSubset] The set of all endpoints is the union of all subsets.",
    }),
    "EndpointSubset": (CORE, "A group of addresses with a common set of ports.", {
        "addresses": "[EndpointAddress] IP addresses which offer the related ports that are "
                     "marked as ready.",
        "notReadyAddresses": "[EndpointAddress] IP addresses which offer the related ports "
                             "but are not currently marked as ready.",
        "ports": "[EndpointPort] Port numbers available on the related IP addresses.",
    }),
    "EndpointAddress": (CORE, "EndpointAddress is a tuple that describes single IP address.", {
        "hostname": "string The Hostname of this endpoint.",
        "ip": "string! The IP of this endpoint.",
        "nodeName": "string Node hosting this endpoint.",
        "targetRef": "ObjectReference Reference to object providing the endpoint.",
    }),
    "EndpointPort": (CORE, "EndpointPort is a tuple that describes a single port.", {
        "appProtocol": "string The application protocol for this port.",
        "name": "string The name of this port.",
        "port": "integer! The port number of the endpoint.",
        "protocol": "string The IP protocol for this port: TCP (the default), UDP, SCTP.",
    }),
    "EndpointSlice": (DISCOVERY, "EndpointSlice represents a subset of the endpoints that "
                                 "implement a service.", {
        "addressType": "string! addressType specifies the type of address carried by this "
                       "EndpointSlice: IPv4, IPv6 or FQDN. Immutable.",
        "endpoints": "[Endpoint]! endpoints is a list of unique endpoints in this slice. Each "
                     "slice may include a maximum of 1000 endpoints.",
        "ports": "[DiscoveryEndpointPort] ports specifies the list of network ports exposed "
                 "by each endpoint in this slice. Each port must have a unique name.",
    }),
    "Endpoint": (DISCOVERY, "Endpoint represents a single logical \"backend\" implementing "
                            "a service.", {
        "addresses": "[string]! addresses of this endpoint (1 to 100), interpreted by the "
                     "slice's addressType.",
        "conditions": "EndpointConditions conditions contains information about the current "
                      "status of the endpoint.",
        "deprecatedTopology": "{string} deprecatedTopology contains topology information "
                              "part of the v1beta1 API.",
        "hints": "object hints contains information associated with how an endpoint should "
                 "be consumed.",
        "hostname": "string hostname of this endpoint (a DNS label).",
        "nodeName": "string nodeName represents the name of the Node hosting this endpoint.",
        "targetRef": "ObjectReference targetRef is a reference to a Kubernetes object that "
                     "represents this endpoint.",
        "zone": "string zone is the name of the Zone this endpoint exists in.",
    }),
    "EndpointConditions": (DISCOVERY, "EndpointConditions represents the current condition "
                                      "of an endpoint.", {
        "ready": "boolean ready indicates that this endpoint is ready to receive traffic.",
        "serving": "boolean serving indicates that this endpoint is able to receive "
                   "traffic (like ready, but also while terminating).",
        "terminating": "boolean terminating indicates that this endpoint is terminating.",
    }),
    "DiscoveryEndpointPort": (DISCOVERY, "EndpointPort represents a Port used by an "
                                         "EndpointSlice", {
        "appProtocol": "string The application protocol for this port.",
        "name": "string name represents the name of this port (a DNS label, or empty).",
        "port": "integer port represents the port number of the endpoint.",
        "protocol": "string protocol represents the IP protocol for this port: TCP (the "
                    "default), UDP or SCTP.",
    }),
    "ObjectReference": (CORE, "ObjectReference contains enough information to let you "
                              "inspect or modify the referred object.", {
        "apiVersion": "string API version of the referent.",
        "fieldPath": "string If referring to a piece of an object instead of an entire "
                     "object, a valid JSON/Go field access statement.",
        "kind": "string Kind of the referent.",
        "name": "string Name of the referent.",
        "namespace": "string Namespace of the referent.",
        "resourceVersion": "string Specific resourceVersion to which this reference is made.",
        "uid": "string UID of the referent.",
    }),
    # -- configuration ------------------------------------------------------------------------
    "ConfigMap": (CORE, "ConfigMap holds configuration data for pods to consume.", {
        "binaryData": "{byte} Binary data; values are base64 encoded.",
        "data": "{string} Configuration data.",
        "immutable": "boolean If set to true, ensures that data stored in the ConfigMap "
                     "cannot be updated.",
    }),
    "Secret": (CORE, "Secret holds secret data of a certain type.", {
        "data": "{byte} Secret data; values are base64 encoded.",
        "immutable": "boolean If set to true, ensures that data stored in the Secret cannot "
                     "be updated.",
        "stringData": "{string} Write-only convenience: non-binary secret data in string "
                      "form, merged into data on write.",
        "type": "string Used to facilitate programmatic handling of secret data.",
    }),
    "ServiceAccount": (CORE, "ServiceAccount binds together a name, a principal that can be "
                             "authenticated and authorized, and a set of secrets.", {
        "automountServiceAccountToken": "boolean Whether pods running as this service account "
                                        "should have an API token automatically mounted.",
        "imagePullSecrets": "[LocalObjectReference] References to secrets in the same "
                            "namespace to use for pulling any images in pods that reference "
                            "this ServiceAccount.",
        "secrets": "[ObjectReference] Secrets in the same namespace that pods running using "
                   "this ServiceAccount are allowed to use.",
    }),
    # -- cluster ------------------------------------------------------------------------------
    "Namespace": (CORE, "Namespace provides a scope for Names.", {
        "spec": "NamespaceSpec Spec defines the behavior of the Namespace.",
        "status": "NamespaceStatus Status describes the current status of a Namespace.",
    }),
    "NamespaceSpec": (CORE, "NamespaceSpec describes the attributes on a Namespace.", {
        "finalizers": "[string] An opaque list of values that must be empty to permanently "
                      "remove object from storage.",
    }),
    "NamespaceStatus": (CORE, "NamespaceStatus is information about the current status of a "
                              "Namespace.", {
        "conditions": "[object] The latest available observations of a namespace's current "
                      "state.",
        "phase": "string The current lifecycle phase of the namespace: Active or Terminating.",
    }),
    "Node": (CORE, "Node is a worker node in Kubernetes.", {
        "spec": "NodeSpec Spec defines the behavior of a node.",
        "status": "NodeStatus Most recently observed status of the node.",
    }),
    "NodeSpec": (CORE, "NodeSpec describes the attributes that a node is created with.", {
        "configSource": "object Deprecated: previously used to specify the source of the "
                        "node's configuration.",
        "externalID": "string Deprecated.",
        "podCIDR": "string The pod IP range assigned to the node.",
        "podCIDRs": "[string] The IP ranges assigned to the node for usage by Pods on that "
                    "node.",
        "providerID": "string ID of the node assigned by the cloud provider.",
        "taints": "[Taint] If specified, the node's taints.",
        "unschedulable": "boolean Controls node schedulability of new pods.",
    }),
    "Taint": (CORE, "The node this Taint is attached to has the \"effect\" on any pod that "
                    "does not tolerate the Taint.", {
        "effect": "string! The effect of the taint on pods that do not tolerate the taint: "
                  "NoSchedule, PreferNoSchedule and NoExecute.",
        "key": "string! The taint key to be applied to a node.",
        "timeAdded": "Time The time at which the taint was added (NoExecute taints only).",
        "value": "string The taint value corresponding to the taint key.",
    }),
    "NodeStatus": (CORE, "NodeStatus is information about the current status of a node.", {
        "addresses": "[NodeAddress] List of addresses reachable to the node.",
        "allocatable": "{Quantity} The resources of a node that are available for scheduling.",
        "capacity": "{Quantity} The total resources of a node.",
        "conditions": "[NodeCondition] An array of current observed node conditions.",
        "config": "object Status of the config assigned to the node via the dynamic Kubelet "
                  "config feature.",
        "daemonEndpoints": "object Endpoints of daemons running on the Node.",
        "features": "object The set of features implemented by the CRI implementation.",
        "images": "[object] List of container images on this node.",
        "nodeInfo": "NodeSystemInfo Set of ids/uuids to uniquely identify the node.",
        "phase": "string Deprecated: NodePhase is the recently observed lifecycle phase of the "
                 "node.",
        "runtimeHandlers": "[object] The available runtime handlers.",
        "volumesAttached": "[object] List of volumes that are attached to the node.",
        "volumesInUse": "[string] List of attachable volumes in use (mounted) by the node.",
    }),
    "NodeAddress": (CORE, "NodeAddress contains information for the node's address.", {
        "address": "string! The node address.",
        "type": "string! Node address type, one of Hostname, ExternalIP or InternalIP.",
    }),
    "NodeCondition": (CORE, "NodeCondition contains condition information for a node.", {
        "lastHeartbeatTime": "Time Last time we got an update on a given condition.", **_COND}),
    "NodeSystemInfo": (CORE, "NodeSystemInfo is a set of ids/uuids to uniquely identify the "
                             "node.", {
        "architecture": "string! The Architecture reported by the node.",
        "bootID": "string! Boot ID reported by the node.",
        "containerRuntimeVersion": "string! ContainerRuntime Version reported by the node.",
        "kernelVersion": "string! Kernel Version reported by the node from 'uname -r'.",
        "kubeProxyVersion": "string! Deprecated: KubeProxy Version reported by the node.",
        "kubeletVersion": "string! Kubelet Version reported by the node.",
        "machineID": "string! MachineID reported by the node.",
        "operatingSystem": "string! The Operating System reported by the node.",
        "osImage": "string! OS Image reported by the node from /etc/os-release.",
        "swap": "object Swap Info reported by the node.",
        "systemUUID": "string! SystemUUID reported by the node.",
    }),
    "Event": (CORE, "Event is a report of an event somewhere in the cluster.", {
        "action": "string What action was taken/failed regarding to the Regarding object.",
        "count": "integer The number of times this event has occurred.",
        "eventTime": "Time Time when this Event was first observed (MicroTime).",
        "firstTimestamp": "Time The time at which the event was first recorded.",
        "involvedObject": "ObjectReference! The object that this event is about.",
        "lastTimestamp": "Time The time at which the most recent occurrence of this event "
                         "was recorded.",
        "message": "string A human-readable description of the status of this operation.",
        "reason": "string A short, machine understandable string that gives the reason for "
                  "the transition into the object's current status.",
        "related": "ObjectReference Optional secondary object for more complex actions.",
        "reportingComponent": "string Name of the controller that emitted this Event.",
        "reportingInstance": "string ID of the controller instance.",
        "series": "object Data about the Event series this event represents.",
        "source": "EventSource The component reporting this event.",
        "type": "string Type of this event (Normal, Warning).",
    }),
    "EventSource": (CORE, "EventSource contains information for an event.", {
        "component": "string Component from which the event is generated.",
        "host": "string Node name on which the event is generated.",
    }),
    "Binding": (CORE, "Binding ties one object to another; for example, a pod is bound to a "
                      "node by a scheduler.", {
        "target": "ObjectReference! The target object that you want to bind to the standard "
                  "object.",
    }),
    # -- storage -------------------------------------------------------------------------------
    "PersistentVolumeClaim": (CORE, "PersistentVolumeClaim is a user's request for and claim "
                                    "to a persistent volume.", {
        "spec": "PersistentVolumeClaimSpec spec defines the desired characteristics of a "
                "volume requested by a pod author.",
        "status": "PersistentVolumeClaimStatus status represents the current information/"
                  "status of a persistent volume claim. Read-only.",
    }),
    "PersistentVolumeClaimSpec": (CORE, "PersistentVolumeClaimSpec describes the common "
                                        "attributes of storage devices.", {
        "accessModes": "[string] accessModes contains the desired access modes the volume "
                       "should have.",
        "dataSource": "object dataSource field can be used to specify an existing "
                      "VolumeSnapshot or PersistentVolumeClaim.",
        "dataSourceRef": "object dataSourceRef specifies the object from which to populate "
                         "the volume with data.",
        "resources": "VolumeResourceRequirements resources represents the minimum resources "
                     "the volume should have.",
        "selector": "LabelSelector selector is a label query over volumes to consider for "
                    "binding.",
        "storageClassName": "string storageClassName is the name of the StorageClass "
                            "required by the claim.",
        "volumeAttributesClassName": "string volumeAttributesClassName may be used to set the "
                                     "VolumeAttributesClass used by this claim.",
        "volumeMode": "string volumeMode defines what type of volume is required by the "
                      "claim (Block or Filesystem).",
        "volumeName": "string volumeName is the binding reference to the PersistentVolume "
                      "backing this claim.",
    }),
    "VolumeResourceRequirements": (CORE, "VolumeResourceRequirements describes the storage "
                                         "resource requirements for a volume.", {
        "limits": "{Quantity} Limits describes the maximum amount of compute resources "
                  "allowed.",
        "requests": "{Quantity} Requests describes the minimum amount of compute resources "
                    "required.",
    }),
    "PersistentVolumeClaimStatus": (CORE, "PersistentVolumeClaimStatus is the current status "
                                          "of a persistent volume claim.", {
        "accessModes": "[string] accessModes contains the actual access modes the volume "
                       "backing the PVC has.",
        "allocatedResourceStatuses": "{string} allocatedResourceStatuses stores status of "
                                     "resource being resized for the given PVC.",
        "allocatedResources": "{Quantity} allocatedResources tracks the resources allocated "
                              "to a PVC including its capacity.",
        "capacity": "{Quantity} capacity represents the actual resources of the underlying "
                    "volume.",
        "conditions": "[object] conditions is the current Condition of persistent volume "
                      "claim.",
        "currentVolumeAttributesClassName": "string the current name of the "
                                            "VolumeAttributesClass the PVC is using.",
        "modifyVolumeStatus": "object the status of a ControllerModifyVolume operation.",
        "phase": "string phase represents the current phase of PersistentVolumeClaim "
                 "(Pending, Bound, Lost).",
    }),
    "PersistentVolume": (CORE, "PersistentVolume (PV) is a storage resource provisioned by "
                               "an administrator.", {
        "spec": "PersistentVolumeSpec spec defines a specification of a persistent volume "
                "owned by the cluster.",
        "status": "PersistentVolumeStatus status represents the current information/status "
                  "for the persistent volume. Read-only.",
    }),
    "PersistentVolumeSpec": (CORE, "PersistentVolumeSpec is the specification of a "
                                   "persistent volume.", {
        **{source: "object A volume source of this kind." for source in (
            "awsElasticBlockStore", "azureDisk", "azureFile", "cephfs", "cinder", "csi", "fc",
            "flexVolume", "flocker", "gcePersistentDisk", "glusterfs", "hostPath", "iscsi",
            "local", "nfs", "photonPersistentDisk", "portworxVolume", "quobyte", "rbd",
            "scaleIO", "storageos", "vsphereVolume")},
        "accessModes": "[string] accessModes contains all ways the volume can be mounted.",
        "capacity": "{Quantity} capacity is the description of the persistent volume's "
                    "resources and capacity.",
        "claimRef": "ObjectReference claimRef is part of a bi-directional binding between "
                    "PersistentVolume and PersistentVolumeClaim.",
        "mountOptions": "[string] mountOptions is the list of mount options.",
        "nodeAffinity": "object nodeAffinity defines constraints that limit what nodes this "
                        "volume can be accessed from.",
        "persistentVolumeReclaimPolicy": "string persistentVolumeReclaimPolicy defines what "
                                         "happens to a persistent volume when released from "
                                         "its claim (Retain, Delete, Recycle).",
        "storageClassName": "string storageClassName is the name of StorageClass to which "
                            "this persistent volume belongs.",
        "volumeAttributesClassName": "string Name of VolumeAttributesClass to which this "
                                     "persistent volume belongs.",
        "volumeMode": "string volumeMode defines if a volume is intended to be used with a "
                      "formatted filesystem or to remain in raw block state.",
    }),
    "PersistentVolumeStatus": (CORE, "PersistentVolumeStatus is the current status of a "
                                     "persistent volume.", {
        "lastPhaseTransitionTime": "Time the time the phase transitioned from one to another.",
        "message": "string a human-readable message indicating details about why the volume "
                   "is in this state.",
        "phase": "string phase indicates if a volume is available, bound to a claim, or "
                 "released by a claim.",
        "reason": "string a brief CamelCase string that describes any failure.",
    }),
    "StorageClass": (STORAGE, "StorageClass describes the parameters for a class of storage "
                              "for which PersistentVolumes can be dynamically provisioned.", {
        "allowVolumeExpansion": "boolean allowVolumeExpansion shows whether the storage class "
                                "allows volume expand.",
        "allowedTopologies": "[object] allowedTopologies restrict the node topologies where "
                             "volumes can be dynamically provisioned.",
        "mountOptions": "[string] mountOptions controls the mountOptions for dynamically "
                        "provisioned PersistentVolumes of this storage class.",
        "parameters": "{string} parameters holds the parameters for the provisioner that "
                      "should create volumes of this storage class.",
        "provisioner": "string! provisioner indicates the type of the provisioner.",
        "reclaimPolicy": "string reclaimPolicy controls the reclaimPolicy for dynamically "
                         "provisioned PersistentVolumes of this storage class (Delete or "
                         "Retain).",
        "volumeBindingMode": "string volumeBindingMode indicates how PersistentVolumeClaims "
                             "should be provisioned and bound (Immediate or "
                             "WaitForFirstConsumer).",
    }),
    # -- networking ----------------------------------------------------------------------------
    "Ingress": (NETWORKING, "Ingress is a collection of rules that allow inbound connections "
                            "to reach the endpoints defined by a backend.", {
        "spec": "IngressSpec spec is the desired state of the Ingress.",
        "status": "IngressStatus status is the current state of the Ingress.",
    }),
    "IngressSpec": (NETWORKING, "IngressSpec describes the Ingress the user wishes to exist.", {
        "defaultBackend": "IngressBackend defaultBackend is the backend that should handle "
                          "requests that don't match any rule.",
        "ingressClassName": "string ingressClassName is the name of an IngressClass cluster "
                            "resource.",
        "rules": "[IngressRule] rules is a list of host rules used to configure the Ingress.",
        "tls": "[IngressTLS] tls represents the TLS configuration.",
    }),
    "IngressBackend": (NETWORKING, "IngressBackend describes all endpoints for a given "
                                   "service and port.", {
        "resource": "TypedLocalObjectReference resource is an ObjectRef to another Kubernetes "
                    "resource in the namespace of the Ingress object.",
        "service": "IngressServiceBackend service references a service as a backend.",
    }),
    "IngressServiceBackend": (NETWORKING, "IngressServiceBackend references a Kubernetes "
                                          "Service as a Backend.", {
        "name": "string! name is the referenced service.",
        "port": "ServiceBackendPort port of the referenced service.",
    }),
    "ServiceBackendPort": (NETWORKING, "ServiceBackendPort is the service port being "
                                       "referenced.", {
        "name": "string name is the name of the port on the Service.",
        "number": "integer number is the numerical port number (e.g. 80) on the Service.",
    }),
    "TypedLocalObjectReference": (CORE, "TypedLocalObjectReference contains enough "
                                        "information to let you locate the typed referenced "
                                        "object inside the same namespace.", {
        "apiGroup": "string APIGroup is the group for the resource being referenced.",
        "kind": "string! Kind is the type of resource being referenced",
        "name": "string! Name is the name of resource being referenced",
    }),
    "IngressRule": (NETWORKING, "IngressRule represents the rules mapping the paths under a "
                                "specified host to the related backend services.", {
        "host": "string host is the fully qualified domain name of a network host.",
        "http": "HTTPIngressRuleValue",
    }),
    "HTTPIngressRuleValue": (NETWORKING, "HTTPIngressRuleValue is a list of http selectors "
                                         "pointing to backends.", {
        "paths": "[HTTPIngressPath]! paths is a collection of paths that map requests to "
                 "backends.",
    }),
    "HTTPIngressPath": (NETWORKING, "HTTPIngressPath associates a path with a backend.", {
        "backend": "IngressBackend! backend defines the referenced service endpoint to which "
                   "the traffic will be forwarded to.",
        "path": "string path is matched against the path of an incoming request.",
        "pathType": "string! pathType determines the interpretation of the path matching: "
                    "Exact, Prefix or ImplementationSpecific.",
    }),
    "IngressTLS": (NETWORKING, "IngressTLS describes the transport layer security associated "
                               "with an ingress.", {
        "hosts": "[string] hosts is a list of hosts included in the TLS certificate.",
        "secretName": "string secretName is the name of the secret used to terminate TLS "
                      "traffic on port 443.",
    }),
    "IngressStatus": (NETWORKING, "IngressStatus describe the current state of the Ingress.", {
        "loadBalancer": "IngressLoadBalancerStatus loadBalancer contains the current status "
                        "of the load-balancer.",
    }),
    "IngressLoadBalancerStatus": (NETWORKING, "IngressLoadBalancerStatus represents the "
                                              "status of a load-balancer.", {
        "ingress": "[IngressLoadBalancerIngress] ingress is a list containing ingress points "
                   "for the load-balancer.",
    }),
    "IngressLoadBalancerIngress": (NETWORKING, "IngressLoadBalancerIngress represents the "
                                               "status of a load-balancer ingress point.", {
        "hostname": "string hostname is set for load-balancer ingress points that are DNS "
                    "based.",
        "ip": "string ip is set for load-balancer ingress points that are IP based.",
        "ports": "[IngressPortStatus] ports provides information about the ports exposed by "
                 "this LoadBalancer.",
    }),
    "IngressPortStatus": (NETWORKING, "IngressPortStatus represents the error condition of a "
                                      "service port", {
        "error": "string error is to record the problem with the service port",
        "port": "integer! port is the port number of the ingress port.",
        "protocol": "string! protocol is the protocol of the ingress port.",
    }),
    "IngressClass": (NETWORKING, "IngressClass represents the class of the Ingress, "
                                 "referenced by the Ingress Spec.", {
        "spec": "IngressClassSpec spec is the desired state of the IngressClass.",
    }),
    "IngressClassSpec": (NETWORKING, "IngressClassSpec provides information about the class "
                                     "of an Ingress.", {
        "controller": "string controller refers to the name of the controller that should "
                      "handle this class.",
        "parameters": "IngressClassParametersReference parameters is a link to a custom "
                      "resource containing additional configuration for the controller.",
    }),
    "IngressClassParametersReference": (NETWORKING, "IngressClassParametersReference "
                                                    "identifies an API object.", {
        "apiGroup": "string apiGroup is the group for the resource being referenced.",
        "kind": "string! kind is the type of resource being referenced.",
        "name": "string! name is the name of resource being referenced.",
        "namespace": "string namespace is the namespace of the resource being referenced.",
        "scope": "string scope represents if this refers to a cluster or namespace scoped "
                 "resource.",
    }),
    "NetworkPolicy": (NETWORKING, "NetworkPolicy describes what network traffic is allowed "
                                  "for a set of Pods", {
        "spec": "NetworkPolicySpec spec represents the specification of the desired behavior "
                "for this NetworkPolicy.",
    }),
    "NetworkPolicySpec": (NETWORKING, "NetworkPolicySpec provides the specification of a "
                                      "NetworkPolicy", {
        "egress": "[NetworkPolicyEgressRule] egress is a list of egress rules to be applied "
                  "to the selected pods.",
        "ingress": "[NetworkPolicyIngressRule] ingress is a list of ingress rules to be "
                   "applied to the selected pods.",
        "podSelector": "LabelSelector podSelector selects the pods to which this "
                       "NetworkPolicy object applies.",
        "policyTypes": "[string] policyTypes is a list of rule types that the NetworkPolicy "
                       "relates to: Ingress, Egress.",
    }),
    "NetworkPolicyIngressRule": (NETWORKING, "NetworkPolicyIngressRule describes a "
                                             "particular set of traffic that is allowed to "
                                             "the pods matched by a NetworkPolicySpec's "
                                             "podSelector.", {
        "from": "[NetworkPolicyPeer] from is a list of sources which should be able to access "
                "the pods selected for this rule.",
        "ports": "[NetworkPolicyPort] ports is a list of ports which should be made "
                 "accessible on the pods selected for this rule.",
    }),
    "NetworkPolicyEgressRule": (NETWORKING, "NetworkPolicyEgressRule describes a particular "
                                            "set of traffic that is allowed out of pods "
                                            "matched by a NetworkPolicySpec's podSelector.", {
        "ports": "[NetworkPolicyPort] ports is a list of destination ports for outgoing "
                 "traffic.",
        "to": "[NetworkPolicyPeer] to is a list of destinations for outgoing traffic of pods "
              "selected for this rule.",
    }),
    "NetworkPolicyPeer": (NETWORKING, "NetworkPolicyPeer describes a peer to allow traffic "
                                      "to/from.", {
        "ipBlock": "IPBlock ipBlock defines policy on a particular IPBlock.",
        "namespaceSelector": "LabelSelector namespaceSelector selects namespaces using "
                             "cluster-scoped labels.",
        "podSelector": "LabelSelector podSelector is a label selector which selects pods.",
    }),
    "NetworkPolicyPort": (NETWORKING, "NetworkPolicyPort describes a port to allow traffic "
                                      "on", {
        "endPort": "integer endPort indicates that the range of ports from port to endPort "
                   "if set, inclusive, should be allowed by the policy.",
        "port": "IntOrString port represents the port on the given protocol.",
        "protocol": "string protocol represents the protocol (TCP, UDP, or SCTP) which "
                    "traffic must match.",
    }),
    "IPBlock": (NETWORKING, "IPBlock describes a particular CIDR that is allowed to the pods "
                            "matched by a NetworkPolicySpec's podSelector.", {
        "cidr": "string! cidr is a string representing the IPBlock",
        "except": "[string] except is a slice of CIDRs that should not be included within an "
                  "IPBlock",
    }),
    # -- coordination, rbac -------------------------------------------------------------------
    "Lease": (COORDINATION, "Lease defines a lease concept.", {
        "spec": "LeaseSpec Specification of the Lease.",
    }),
    "LeaseSpec": (COORDINATION, "LeaseSpec is a specification of a Lease.", {
        "acquireTime": "Time When the current lease was acquired (MicroTime).",
        "holderIdentity": "string The identity of the holder of a current lease.",
        "leaseDurationSeconds": "integer Duration that candidates for a lease need to wait to "
                                "force acquire it.",
        "leaseTransitions": "integer The number of transitions of a lease between holders.",
        "preferredHolder": "string Signals to a lease holder that the lease has a more "
                           "optimal holder and should be given up.",
        "renewTime": "Time When the current holder of a lease has last updated the lease "
                     "(MicroTime).",
        "strategy": "string The strategy that will be used to select the preferred holder.",
    }),
    "Role": (RBAC, "Role is a namespaced, logical grouping of PolicyRules.", {
        "rules": "[PolicyRule] All the PolicyRules for this Role.",
    }),
    "ClusterRole": (RBAC, "ClusterRole is a cluster level, logical grouping of PolicyRules.", {
        "aggregationRule": "object An optional field that describes how to build the Rules "
                           "for this ClusterRole.",
        "rules": "[PolicyRule] All the PolicyRules for this ClusterRole.",
    }),
    "PolicyRule": (RBAC, "PolicyRule holds information that describes a policy rule.", {
        "apiGroups": "[string] The name of the APIGroup that contains the resources.",
        "nonResourceURLs": "[string] A set of partial urls that a user should have access to.",
        "resourceNames": "[string] An optional white list of names that the rule applies to.",
        "resources": "[string] A list of resources this rule applies to.",
        "verbs": "[string]! A list of Verbs that apply to ALL the ResourceKinds contained in "
                 "this rule.",
    }),
    "RoleBinding": (RBAC, "RoleBinding references a role, but does not contain it.", {
        "roleRef": "RoleRef! A Role in the current namespace or a ClusterRole in the global "
                   "namespace.",
        "subjects": "[Subject] Subjects holds references to the objects the role applies to.",
    }),
    "ClusterRoleBinding": (RBAC, "ClusterRoleBinding references a ClusterRole, but does not "
                                 "contain it.", {
        "roleRef": "RoleRef! A ClusterRole in the global namespace.",
        "subjects": "[Subject] Subjects holds references to the objects the role applies to.",
    }),
    "RoleRef": (RBAC, "RoleRef contains information that points to the role being used.", {
        "apiGroup": "string! The group for the resource being referenced.",
        "kind": "string! The type of resource being referenced.",
        "name": "string! The name of resource being referenced.",
    }),
    "Subject": (RBAC, "Subject contains a reference to the object or user identities a role "
                      "binding applies to.", {
        "apiGroup": "string The API group of the referenced subject.",
        "kind": "string! Kind of object being referenced: User, Group, and ServiceAccount.",
        "name": "string! Name of the object being referenced.",
        "namespace": "string Namespace of the referenced object.",
    }),
    # -- authorization ------------------------------------------------------------------------
    "SelfSubjectAccessReview": (AUTHORIZATION, "SelfSubjectAccessReview checks whether or the "
                                               "current user can perform an action.", {
        "spec": "SelfSubjectAccessReviewSpec! Spec holds information about the request being "
                "evaluated.",
        "status": "SubjectAccessReviewStatus Filled in by the server and indicates whether "
                  "the request is allowed or not.",
    }),
    "SelfSubjectAccessReviewSpec": (AUTHORIZATION, "Exactly one of ResourceAttributes and "
                                                   "NonResourceAttributes must be set.", {
        "nonResourceAttributes": "NonResourceAttributes Information for a non-resource "
                                 "access request.",
        "resourceAttributes": "ResourceAttributes Information for a resource access request.",
    }),
    "SubjectAccessReview": (AUTHORIZATION, "SubjectAccessReview checks whether or not a user "
                                           "or group can perform an action.", {
        "spec": "SubjectAccessReviewSpec! Spec holds information about the request being "
                "evaluated.",
        "status": "SubjectAccessReviewStatus Filled in by the server and indicates whether "
                  "the request is allowed or not.",
    }),
    "SubjectAccessReviewSpec": (AUTHORIZATION, "Exactly one of ResourceAttributes and "
                                               "NonResourceAttributes must be set.", {
        "extra": "{[string]} Extra corresponds to the user.Info.GetExtra() method from the "
                 "authenticator.",
        "groups": "[string] The groups you're testing for.",
        "nonResourceAttributes": "NonResourceAttributes Information for a non-resource "
                                 "access request.",
        "resourceAttributes": "ResourceAttributes Information for a resource access request.",
        "uid": "string Information about the requesting user.",
        "user": "string The user you're testing for.",
    }),
    "ResourceAttributes": (AUTHORIZATION, "The attributes available to a resource request to "
                                          "the Authorizer interface.", {
        "fieldSelector": "object Describes the limitation on access based on field.",
        "group": "string The API Group of the Resource. \"*\" means all.",
        "labelSelector": "object Describes the limitation on access based on labels.",
        "name": "string The name of the resource being requested for a get or delete.",
        "namespace": "string The namespace of the action being requested.",
        "resource": "string One of the existing resource types. \"*\" means all.",
        "subresource": "string One of the existing resource types.",
        "verb": "string A kubernetes resource API verb. \"*\" means all.",
        "version": "string The API Version of the Resource. \"*\" means all.",
    }),
    "NonResourceAttributes": (AUTHORIZATION, "The attributes available to a non-resource "
                                             "request to the Authorizer interface.", {
        "path": "string The URL path of the request.",
        "verb": "string The standard HTTP verb.",
    }),
    "SubjectAccessReviewStatus": (AUTHORIZATION, "SubjectAccessReviewStatus", {
        "allowed": "boolean! Whether the action would be allowed.",
        "denied": "boolean Whether the action would be denied.",
        "evaluationError": "string An indication that some error occurred during the "
                           "authorization check.",
        "reason": "string Why a request was allowed or denied.",
    }),

    # -- autoscaling/v2 ------------------------------------------------------------------------
    "HorizontalPodAutoscaler": (AUTOSCALING, "HorizontalPodAutoscaler is the configuration "
                                             "for a horizontal pod autoscaler, which "
                                             "automatically manages the replica count of any "
                                             "resource implementing the scale subresource "
                                             "based on the metrics specified.", {
        "spec": "HorizontalPodAutoscalerSpec spec is the specification for the behaviour of "
                "the autoscaler.",
        "status": "HorizontalPodAutoscalerStatus status is the current information about the "
                  "autoscaler.",
    }),
    "HorizontalPodAutoscalerSpec": (AUTOSCALING, "HorizontalPodAutoscalerSpec describes the "
                                                 "desired functionality of the "
                                                 "HorizontalPodAutoscaler.", {
        "behavior": "HorizontalPodAutoscalerBehavior behavior configures the scaling "
                    "behavior of the target in both Up and Down directions.",
        "maxReplicas": "integer! maxReplicas is the upper limit for the number of replicas "
                       "to which the autoscaler can scale up.",
        "metrics": "[MetricSpec] metrics contains the specifications for which to use to "
                   "calculate the desired replica count (the maximum replica count across "
                   "all metrics will be used). If not set, the default metric will be set to "
                   "80% average CPU utilization.",
        "minReplicas": "integer minReplicas is the lower limit for the number of replicas to "
                       "which the autoscaler can scale down. It defaults to 1 pod.",
        "scaleTargetRef": "CrossVersionObjectReference! scaleTargetRef points to the target "
                          "resource to scale, and is used to the pods for which metrics "
                          "should be collected, as well as to actually change the replica "
                          "count.",
    }),
    "CrossVersionObjectReference": (AUTOSCALING, "CrossVersionObjectReference contains enough "
                                                 "information to let you identify the "
                                                 "referred resource.", {
        "apiVersion": "string apiVersion is the API version of the referent",
        "kind": "string! kind is the kind of the referent",
        "name": "string! name is the name of the referent",
    }),
    "MetricSpec": (AUTOSCALING, "MetricSpec specifies how to scale based on a single metric "
                                "(only `type` and one other matching field should be set at "
                                "once).", {
        "containerResource": "object containerResource refers to a resource metric known to "
                             "Kubernetes describing a single container in each pod.",
        "external": "object external refers to a global metric that is not associated with "
                    "any Kubernetes object.",
        "object": "object object refers to a metric describing a single kubernetes object.",
        "pods": "object pods refers to a metric describing each pod in the current scale "
                "target.",
        "resource": "ResourceMetricSource resource refers to a resource metric (such as those "
                    "specified in requests and limits) known to Kubernetes describing each "
                    "pod in the current scale target (e.g. CPU or memory).",
        "type": "string! type is the type of metric source: ContainerResource, External, "
                "Object, Pods or Resource.",
    }),
    "ResourceMetricSource": (AUTOSCALING, "ResourceMetricSource indicates how to scale on a "
                                          "resource metric known to Kubernetes.", {
        "name": "string! name is the name of the resource in question.",
        "target": "MetricTarget! target specifies the target value for the given metric",
    }),
    "MetricTarget": (AUTOSCALING, "MetricTarget defines the target value, average value, or "
                                  "average utilization of a specific metric", {
        "averageUtilization": "integer averageUtilization is the target value of the average "
                              "of the resource metric across all relevant pods, represented "
                              "as a percentage of the requested value of the resource for "
                              "the pods.",
        "averageValue": "Quantity averageValue is the target value of the average of the "
                        "metric across all relevant pods (as a quantity)",
        "type": "string! type represents whether the metric type is Utilization, Value, or "
                "AverageValue",
        "value": "Quantity value is the target value of the metric (as a quantity).",
    }),
    "HorizontalPodAutoscalerBehavior": (AUTOSCALING, "HorizontalPodAutoscalerBehavior "
                                                     "configures the scaling behavior of the "
                                                     "target in both Up and Down directions "
                                                     "(scaleUp and scaleDown fields "
                                                     "respectively).", {
        "scaleDown": "HPAScalingRules scaleDown is scaling policy for scaling Down. If not "
                     "set, the default value is to allow to scale down to minReplicas pods, "
                     "with a 300 second stabilization window.",
        "scaleUp": "HPAScalingRules scaleUp is scaling policy for scaling Up. If not set, the "
                   "default value is the higher of: increase no more than 4 pods per 15 "
                   "seconds; double the number of pods per 15 seconds. No stabilization is "
                   "used.",
    }),
    "HPAScalingRules": (AUTOSCALING, "HPAScalingRules configures the scaling behavior for one "
                                     "direction.", {
        "policies": "[HPAScalingPolicy] policies is a list of potential scaling polices which "
                    "can be used during scaling.",
        "selectPolicy": "string selectPolicy is used to specify which policy should be used. "
                        "If not set, the default value Max is used.",
        "stabilizationWindowSeconds": "integer stabilizationWindowSeconds is the number of "
                                      "seconds for which past recommendations should be "
                                      "considered while scaling up or scaling down.",
    }),
    "HPAScalingPolicy": (AUTOSCALING, "HPAScalingPolicy is a single policy which must hold "
                                      "true for a specified past interval.", {
        "periodSeconds": "integer! periodSeconds specifies the window of time for which the "
                         "policy should hold true (0 < periodSeconds <= 1800).",
        "type": "string! type is used to specify the scaling policy: Pods or Percent.",
        "value": "integer! value contains the amount of change which is permitted by the "
                 "policy. It must be greater than zero",
    }),
    "HorizontalPodAutoscalerStatus": (AUTOSCALING, "HorizontalPodAutoscalerStatus describes "
                                                   "the current status of a horizontal pod "
                                                   "autoscaler.", {
        "conditions": "[HorizontalPodAutoscalerCondition] conditions is the set of conditions "
                      "required for this autoscaler to scale its target, and indicates "
                      "whether or not those conditions are met.",
        "currentMetrics": "[MetricStatus] currentMetrics is the last read state of the "
                          "metrics used by this autoscaler.",
        "currentReplicas": "integer currentReplicas is current number of replicas of pods "
                           "managed by this autoscaler, as last seen by the autoscaler.",
        "desiredReplicas": "integer! desiredReplicas is the desired number of replicas of "
                           "pods managed by this autoscaler, as last calculated by the "
                           "autoscaler.",
        "lastScaleTime": "Time lastScaleTime is the last time the HorizontalPodAutoscaler "
                         "scaled the number of pods.",
        "observedGeneration": "int64 observedGeneration is the most recent generation "
                              "observed by this autoscaler.",
    }),
    "HorizontalPodAutoscalerCondition": (AUTOSCALING, "HorizontalPodAutoscalerCondition "
                                                      "describes the state of a "
                                                      "HorizontalPodAutoscaler at a certain "
                                                      "point.", {
        **_COND, "type": "string! type describes the current condition: AbleToScale, "
                         "ScalingActive or ScalingLimited.",
    }),
    "MetricStatus": (AUTOSCALING, "MetricStatus describes the last-read state of a single "
                                  "metric.", {
        "containerResource": "object containerResource refers to a resource metric of a "
                             "single container in each pod.",
        "external": "object external refers to a global metric.",
        "object": "object object refers to a metric describing a single kubernetes object.",
        "pods": "object pods refers to a metric describing each pod in the current scale "
                "target.",
        "resource": "ResourceMetricStatus resource refers to a resource metric (such as those "
                    "specified in requests and limits) known to Kubernetes.",
        "type": "string! type is the type of metric source.",
    }),
    "ResourceMetricStatus": (AUTOSCALING, "ResourceMetricStatus indicates the current value "
                                          "of a resource metric known to Kubernetes.", {
        "current": "MetricValueStatus! current contains the current value for the given "
                   "metric",
        "name": "string! name is the name of the resource in question.",
    }),
    "MetricValueStatus": (AUTOSCALING, "MetricValueStatus holds the current value for a "
                                       "metric", {
        "averageUtilization": "integer currentAverageUtilization is the current value of the "
                              "average of the resource metric across all relevant pods, "
                              "represented as a percentage of the requested value of the "
                              "resource for the pods.",
        "averageValue": "Quantity averageValue is the current value of the average of the "
                        "metric across all relevant pods (as a quantity)",
        "value": "Quantity value is the current value of the metric (as a quantity).",
    }),
}
