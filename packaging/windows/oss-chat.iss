; Inno Setup 6 script for the OSS Chat installer on Windows (x64).
;
;   iscc /DAppVersion=0.1.0 /DVariant=cpu packaging\windows\oss-chat.iss
;
; build.ps1 runs this after PyInstaller, with the version read from the app package. It packs
; dist\oss-chat\ (the one-folder bundle) and build\icons\oss-chat.ico; the installer lands in
; dist\. Conversations, settings and models live in %LOCALAPPDATA%\oss-chat, outside the
; install folder: uninstalling never touches them.

#ifndef AppVersion
  #error Pass the version: iscc /DAppVersion=X.Y.Z (build.ps1 does)
#endif
#ifndef Variant
  #define Variant "cpu"
#endif
#define AppName "OSS Chat"
; app.APP_ID: the Start-menu shortcut and the running window share this AppUserModelID.
#define AppUserModelId "org.osschat.OSSChat"
#define AppExe "oss-chat.exe"

[Setup]
; Inno's own id for upgrades and uninstall: uuid5(NAMESPACE_DNS, app.APP_ID). Never change it.
AppId={{6FBEB3E6-3137-5F06-AFB4-61D1542670ED}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=The OSS Chat developers
VersionInfoVersion={#AppVersion}
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
; Installs for the current user without administrator rights; the dialog offers all users.
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
SourceDir=..\..
OutputDir=dist
OutputBaseFilename=oss-chat-{#AppVersion}-windows-x64-{#Variant}-setup
SetupIconFile=build\icons\oss-chat.ico
UninstallDisplayIcon={app}\{#AppExe}
UninstallDisplayName={#AppName}
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
CloseApplications=yes

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[InstallDelete]
; An upgrade replaces the bundle's libraries completely; stale DLLs must not stay behind.
Type: filesandordirs; Name: "{app}\_internal"

[Files]
Source: "dist\oss-chat\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#AppExe}"; AppUserModelID: "{#AppUserModelId}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; AppUserModelID: "{#AppUserModelId}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent
